# Shared by scripts/demo.sh and scripts/test.sh (POSIX sh, sourced).
#
# Debian 12 packages, each needed directly:
#   meson, ninja-build, pkg-config, gcc      the build (gcc also brings
#                                            libasan8 and libubsan1, the
#                                            runtimes of build-asan/)
#   libgstreamer1.0-dev                      GStreamer core, base and gst-check
#   libgstreamer-plugins-base1.0-dev         gstreamer-audio, -pbutils
#   liborc-0.4-dev, liborc-0.4-dev-bin       ORC kernels and orcc
#   gstreamer1.0-plugins-base                decodebin, audioconvert, filesrc...
#   gstreamer1.0-plugins-good                wavparse (the demo), wavenc and
#                                            flacenc (gst-master), pngenc (tests)
#   libcairo2-dev                            gst-master's report picture
# gstreamer1.0-plugins-base also brings vorbisenc, opusenc and oggmux
# (gst-master's .ogg and .opus outputs); libgstreamer-plugins-base1.0-dev
# gstreamer-fft-1.0 (its spectrum).
# and for the tests only:
#   libebur128-dev                           the independent reference meter
#   gstreamer1.0-tools                       gst-launch-1.0 (examples/*.sh)

BUILD_PACKAGES="meson ninja-build pkg-config gcc libgstreamer1.0-dev
  libgstreamer-plugins-base1.0-dev liborc-0.4-dev liborc-0.4-dev-bin
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good libcairo2-dev"
TEST_PACKAGES="libebur128-dev gstreamer1.0-tools"

# now: seconds since the epoch
now () {
  date +%s
}

# say_time LABEL START: "LABEL: 12 s"
say_time () {
  echo "== $1: $(( $(now) - $2 )) s"
}

# need_packages PKG...: installs the packages that are not installed yet;
# runs apt-get update only when something must be installed.
need_packages () {
  missing=""
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null \
        | grep -q '^install ok installed$'; then
      missing="$missing $p"
    fi
  done
  if [ -z "$missing" ]; then
    echo "== packages: all installed"
    return 0
  fi
  echo "== packages: installing$missing"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "error: run as root, or install:$missing" >&2
    return 1
  fi
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing
}

# ensure_build DIR [-Dopt=value...]: configures DIR with meson when it is
# not configured (or was configured by another meson version); otherwise
# reconfigures only the options whose values differ.
ensure_build () {
  dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  elif ! meson introspect "$dir" --buildoptions >/dev/null 2>&1; then
    meson setup --wipe "$dir" "$@"
  elif ! meson introspect "$dir" --buildoptions | python3 -c '
import json, sys
cur = {o["name"]: o["value"] for o in json.load(sys.stdin)}
def s(v):
    return str(v).lower() if isinstance(v, bool) else str(v)
want = (a[2:].split("=", 1) for a in sys.argv[1:])
sys.exit(1 if any(s(cur.get(k)) != v for k, v in want) else 0)
' "$@"; then
    meson configure "$dir" "$@"
  fi
}
