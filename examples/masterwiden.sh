#!/bin/sh
# Stereo imaging with the `masterwiden` element from gst-launch-1.0.
#
#   sh examples/masterwiden.sh [FILE]      (default: build/tools/demo.wav)
#
# From a build tree, GStreamer finds the plugin with
#   export GST_PLUGIN_PATH=$PWD/build/gst
# (not needed after `meson install -C build`).
#
# masterwiden posts a `masterwiden` message every `interval` ns with the
# phase correlation (-1..+1), mid-side-ratio (dB), balance (dB, left over
# right) and effective-width of its output; -m prints them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/../build/tools/demo.wav}
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] \
    && [ -d "$here/../build/gst" ]; then
  GST_PLUGIN_PATH="$here/../build/gst"
  export GST_PLUGIN_PATH
fi
out=$(mktemp)
wide=$(mktemp --suffix=.wav)
trap 'rm -f "$out" "$wide"' EXIT

# The input needs to be stereo: audioconvert + caps make it so (a mono
# file is duplicated to both channels).
decode="filesrc location=$file ! decodebin ! audioconvert ! audio/x-raw,channels=2"

# 1. Meter only: neutral settings pass the audio through bit for bit.
gst-launch-1.0 -m $decode ! masterwiden interval=1000000000 ! fakesink \
  > "$out"
echo "source, correlation per second:"
sed -n 's/.*masterwiden, .*correlation=(double)\([^,]*\),.*/  \1/p' "$out"

# 2. Widen by 30 %, mono below 120 Hz, never below correlation 0.2 (the
#    widening is taken back where it would go lower); write a WAV.
gst-launch-1.0 -m $decode ! \
  masterwiden width=1.3 mono-bass=120 safe-width=true correlation-floor=0.2 \
    interval=1000000000 ! \
  audioconvert ! wavenc ! filesink location="$wide" > "$out"
echo "widened, correlation / effective width per second:"
sed -n 's/.*correlation=(double)\([^,]*\),.*effective-width=(double)\([^;]*\);.*/  \1  \2/p' \
  "$out"
echo "written: $wide (removed on exit)"

# 3. Mono fold-down check: width=0 gives L == R exactly.
gst-launch-1.0 $decode ! masterwiden width=0 ! audioconvert ! fakesink
