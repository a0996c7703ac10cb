#!/bin/sh
# File conversion with the mastering elements, one at a time and as the
# whole chain (`automaster`), from gst-launch-1.0.
#
#   sh examples/automaster.sh [IN] [OUTDIR]
#
# IN is any file decodebin reads (FLAC, WAV, ...); without it a 5 s FLAC
# test signal is made first.  OUTDIR (default: a temporary directory,
# removed at the end) receives one WAV per element and the mastered
# results as WAV (32-bit float) and FLAC (24-bit).
#
# From a build tree, GStreamer finds the plugin with
#   export GST_PLUGIN_PATH=$PWD/build/gst
# (not needed after `meson install -C build`).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] \
    && [ -d "$here/../build/gst" ]; then
  GST_PLUGIN_PATH="$here/../build/gst"
  export GST_PLUGIN_PATH
fi

if [ -n "${2:-}" ]; then
  out=$2
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

in=${1:-}
if [ -z "$in" ]; then
  # 5 s of pink noise with a 110 Hz tone, stereo 48 kHz, as FLAC
  in="$out/input.flac"
  gst-launch-1.0 -q audiomixer name=mix ! audioconvert ! \
    audio/x-raw,format=S16LE,rate=48000,channels=2 ! flacenc ! \
    filesink location="$in" \
    audiotestsrc wave=pink-noise volume=0.25 num-buffers=240 \
      samplesperbuffer=1000 ! audio/x-raw,rate=48000,channels=2 ! mix. \
    audiotestsrc wave=sine freq=110 volume=0.2 num-buffers=240 \
      samplesperbuffer=1000 ! audio/x-raw,rate=48000,channels=2 ! mix.
fi

# Every element takes F32 or F64; audioconvert turns the decoder's
# integers into float and the result back into what the encoder takes.
dec="filesrc location=$in ! decodebin ! audioconvert ! audio/x-raw,format=F32LE"
wav="audioconvert ! audio/x-raw,format=F32LE ! wavenc"

convert () {
  name=$1
  shift
  # shellcheck disable=SC2086
  gst-launch-1.0 -q $dec ! "$@" ! $wav ! filesink location="$out/$name.wav"
  echo "$name.wav"
}

# 1. One element at a time (FLAC in, WAV out).
convert eq masteq num-bands=2 band0::type=high-pass band0::freq=25 \
  band1::type=tilt band1::gain=1
convert comp mastercomp threshold=-20 ratio=2 attack=20 release=150 \
  auto-release=true sidechain-hpf=90
convert widen audioconvert ! audio/x-raw,channels=2 ! \
  masterwiden width=1.15 mono-bass=120 safe-width=true
convert limit masterlimit input-gain=4 ceiling=-1
# loudnorm on its own: hold the file, measure, one gain to -14 LUFS
convert loudnorm loudnorm mode=file target-loudness=-14 true-peak-limit=-1

# 2. The whole chain with a preset: WAV (32-bit float) ...
convert master-streaming automaster preset=streaming

# ... and FLAC (24-bit; FLAC has no float samples).
gst-launch-1.0 -q $dec ! automaster preset=apple intensity=30 ! \
  audioconvert ! audio/x-raw,format=S24LE ! flacenc ! \
  filesink location="$out/master-apple.flac"
echo "master-apple.flac"

# 3. Fine-tune a child after the preset: a brighter EQ tilt, a gentler
#    limiter drive (children: eq, comp, widen, limit, loudnorm).
convert master-tuned automaster preset=broadcast intensity=70 \
  eq::band1::gain=1.5 limit::input-gain=1

# 4. The loudness of every result, read by loudnorm's final message.
for f in "$out"/*.wav "$out/master-apple.flac"; do
  i=$(gst-launch-1.0 -m filesrc location="$f" ! decodebin ! audioconvert ! \
      loudnorm ! fakesink | grep 'final=(boolean)true' |
    sed -n 's/.*integrated-loudness=(double)\([^,]*\),.*max-true-peak=(double)\([^,]*\),.*/\1 LUFS \2 dBTP/p')
  printf '%-24s %s\n' "$(basename "$f")" "$i"
done
