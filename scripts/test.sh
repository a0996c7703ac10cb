#!/bin/sh
# Installs what the build and the tests need (only what is missing),
# builds gst-mastering and runs the whole suite:
#   1. build/ (ORC, -Dwerror=true):               meson test
#   2. build/ again with ORC_CODE=backup:         meson test
#      (ORC's plain-C backup functions instead of generated code)
#   3. build/ benchmarks, shortened:              meson test --benchmark
#   4. build-plainc/ (-Dorc=disabled -Dwerror=true): meson test
#      (the kernels compiled as plain C)
#   5. build-asan/ (gcc, -Db_sanitize=address,undefined): the stress,
#      elements and dsp suites with AddressSanitizer, LeakSanitizer and
#      UndefinedBehaviorSanitizer, failing on any finding (see
#      docs/reliability.md, "Sanitizers")
#   6. fuzz: scripts/fuzz.sh, every dsp module's libFuzzer target with
#      ASan and UBSan for MST_FUZZ_SECONDS (default 20) seconds each in
#      build-fuzz/ (clang), one result per target
# and ends with one line "N passed, N failed" summed over the runs.  Exits
# non-zero on any failure.  Idempotent.  Debian 12, as root (or with sudo).
set -u
cd "$(dirname "$0")/.."
. scripts/common.sh

passed=0
failed=0
skipped=0
start=$(now)

finish () {
  say_time "total" "$start"
  if [ "$skipped" -gt 0 ]; then
    echo "($skipped skipped)"
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# count_log FILE: adds the results of a meson JSON test log; a missing log
# (meson test could not run) counts as one failure.
count_log () {
  if [ ! -s "$1" ]; then
    echo "FAILED: no test log $1"
    failed=$((failed + 1))
    return
  fi
  ok=$(grep -c -E '"result": "(OK|EXPECTEDFAIL)"' "$1")
  bad=$(grep -c -E '"result": "(FAIL|TIMEOUT|INTERRUPT|ERROR|UNEXPECTEDPASS)"' "$1")
  sk=$(grep -c '"result": "SKIP"' "$1")
  passed=$((passed + ok))
  failed=$((failed + bad))
  skipped=$((skipped + sk))
  echo "== $ok passed, $bad failed, $sk skipped ($1)"
}

# build DIR OPTIONS...: configure and compile as much as compiles; a
# failure counts once.  Returns non-zero only when DIR could not be
# configured: after a compile error the tests that did build still run
# (those that did not, fail).
build () {
  dir=$1
  t=$(now)
  if ! ensure_build "$@"; then
    echo "FAILED: configuring $dir"
    failed=$((failed + 1))
    say_time "build $dir" "$t"
    return 1
  fi
  if ! ninja -C "$dir" -k 0; then
    echo "FAILED: build of $dir"
    failed=$((failed + 1))
  fi
  say_time "build $dir" "$t"
  return 0
}

# suite LABEL DIR LOGBASE [VAR=value...] [-- meson test options...]
suite () {
  label=$1
  dir=$2
  log=$3
  shift 3
  vars=""
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    vars="$vars $1"
    shift
  done
  [ $# -gt 0 ] && shift
  t=$(now)
  echo "== $label"
  # after a partial build, run the tests that were built; the others fail
  kind=--tests
  case " $* " in *" --benchmark "*) kind=--benchmarks ;; esac
  built=$(meson introspect "$dir" $kind | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    print(("" if os.path.exists(t["cmd"][0]) else "-") + t["name"])')
  names=""
  for n in $built; do
    case $n in
      -*)
        echo "FAILED: ${n#-} was not built"
        failed=$((failed + 1))
        ;;
      *) names="$names $n" ;;
    esac
  done
  if [ -n "$names" ]; then
    rm -f "$dir/meson-logs/$log.json"
    # shellcheck disable=SC2086
    env $vars meson test -C "$dir" --no-rebuild --print-errorlogs \
      --logbase "$log" "$@" $names
    count_log "$dir/meson-logs/$log.json"
  fi
  say_time "$label" "$t"
}

t=$(now)
# shellcheck disable=SC2086
if ! need_packages $BUILD_PACKAGES $TEST_PACKAGES; then
  echo "FAILED: installing the dependencies"
  failed=$((failed + 1))
  finish
fi
say_time "dependencies" "$t"

if build build -Dwerror=true -Dtests=enabled; then
  suite "tests (ORC)" build testlog
  suite "tests (ORC_CODE=backup)" build testlog-orc-backup ORC_CODE=backup
  suite "benchmarks (60 s of audio)" build benchlog MST_BENCH_SECONDS=60 \
    -- --benchmark
fi

if build build-plainc -Dorc=disabled -Dwerror=true -Dtests=enabled; then
  suite "tests (-Dorc=disabled)" build-plainc testlog
fi

# The sanitizer build.  Its tests load the ASan-built plugin, which the
# (uninstrumented) gst-plugin-scanner cannot: the registry is scanned
# in-process (GST_REGISTRY_FORK=no), into build-asan/tests/registry.bin.
# The system plugins scanned with it are only the ones the tests use,
# linked from SANITIZE_PLUGIN_DIR (any other plugin's own leaks and errors
# would be ours to suppress).  ORC_CODE=backup: ORC 0.4.33's x86-64 code
# for kernels with many arrays clobbers r12, which the sanitized callers
# rely on; the C backup functions are compiled with the sanitizers, so they
# see the kernels too.  G_SLICE=always-malloc: every GSlice block is a
# malloc that LSan sees.  lsan.supp: see its header.
SANITIZE_PLUGINS="coreelements app audioconvert audiomixer audioresample
  audiotestsrc playback typefindfunctions volume wavenc wavparse"
SANITIZE_PLUGIN_DIR=build-asan/system-plugins

# sanitize_plugins: (re)creates SANITIZE_PLUGIN_DIR with links to the
# SANITIZE_PLUGINS of the system
sanitize_plugins () {
  sysdir=$(pkg-config --variable=pluginsdir gstreamer-1.0) || return 1
  rm -rf "$SANITIZE_PLUGIN_DIR"
  mkdir -p "$SANITIZE_PLUGIN_DIR" || return 1
  for p in $SANITIZE_PLUGINS; do
    ln -s "$sysdir/libgst$p.so" "$SANITIZE_PLUGIN_DIR/" || return 1
  done
}

if build build-asan -Db_sanitize=address,undefined \
    -Dbuildtype=debugoptimized -Dtests=enabled; then
  if sanitize_plugins; then
    top=$(pwd)
    # full stacks through GLib and GStreamer (built without frame
    # pointers): slower, but a leak report names our function
    asan=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
    asan=$asan:fast_unwind_on_malloc=0
    lsan=suppressions=$top/tests/stress/lsan.supp:print_suppressions=0
    # timeouts x5: the sanitizers make the tests 2 to 5 times slower
    suite "stress, elements and dsp (ASan, LSan, UBSan)" build-asan \
      testlog-sanitize GST_REGISTRY_FORK=no \
      "GST_PLUGIN_SYSTEM_PATH_1_0=$top/$SANITIZE_PLUGIN_DIR" \
      ORC_CODE=backup G_SLICE=always-malloc G_DEBUG=gc-friendly \
      "ASAN_OPTIONS=$asan" "LSAN_OPTIONS=$lsan" \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      CK_TIMEOUT_MULTIPLIER=5 \
      -- --suite stress --suite elements --suite dsp --timeout-multiplier 5
  else
    echo "FAILED: linking the system plugins into $SANITIZE_PLUGIN_DIR"
    failed=$((failed + 1))
  fi
fi

# fuzz SECONDS: scripts/fuzz.sh; one pass or fail per target, a failure
# before the targets ran (clang, the build) counts once
fuzz () {
  t=$(now)
  echo "== fuzz ($1 s each)"
  flog=$(mktemp)
  sh scripts/fuzz.sh "$1" 2>&1 | tee "$flog"
  ok=$(grep -c '^fuzz fuzz-.*: ok' "$flog")
  bad=$(grep -c '^fuzz fuzz-.*: FAILED' "$flog")
  if grep -q '^FAILED:' "$flog" || [ $((ok + bad)) -eq 0 ]; then
    bad=$((bad + 1))
  fi
  rm -f "$flog"
  passed=$((passed + ok))
  failed=$((failed + bad))
  echo "== $ok passed, $bad failed (fuzz)"
  say_time "fuzz ($1 s each)" "$t"
}
fuzz "${MST_FUZZ_SECONDS:-20}"

finish
