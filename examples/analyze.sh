#!/bin/sh
# Loudness measurement with the `loudnorm` element from gst-launch-1.0.
#
#   sh examples/analyze.sh [FILE]       (default: build/tools/demo.wav)
#
# From a build tree, GStreamer finds the plugin with
#   export GST_PLUGIN_PATH=$PWD/build/gst
# (not needed after `meson install -C build`).
#
# With -m, gst-launch-1.0 prints every bus message: `loudnorm` posts one
# every `interval` nanoseconds and a last one with final=true at the end
# of the stream, holding momentary-, shortterm-, integrated-loudness
# (LUFS), loudness-range (LU), max-true-peak (dBTP), true-peak (dBTP) and
# sample-peak (dBFS) per channel.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/../build/tools/demo.wav}
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] \
    && [ -d "$here/../build/gst" ]; then
  GST_PLUGIN_PATH="$here/../build/gst"
  export GST_PLUGIN_PATH
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# 1. Measure a file: any format decodebin reads; one message per second.
gst-launch-1.0 -m filesrc location="$file" ! decodebin ! audioconvert ! \
  loudnorm mode=measure interval=1000000000 ! fakesink > "$out"

# The final message holds the figures for the whole file.
final=$(grep 'final=(boolean)true' "$out")
echo "integrated: $(echo "$final" |
  sed -n 's/.*integrated-loudness=(double)\([^,]*\),.*/\1/p') LUFS"
echo "range:      $(echo "$final" |
  sed -n 's/.*loudness-range=(double)\([^,]*\),.*/\1/p') LU"
echo "true peak:  $(echo "$final" |
  sed -n 's/.*max-true-peak=(double)\([^,]*\),.*/\1/p') dBTP"

# 2. A meter on a synthetic signal: EBU Tech 3341 test 1, a 1 kHz sine at
#    -23 dBFS on both channels, reads -23.0 LUFS (10 s; every 100 ms).
gst-launch-1.0 -m audiotestsrc wave=sine freq=1000 volume=0.0707946 \
  samplesperbuffer=4800 num-buffers=100 ! \
  audio/x-raw,format=F32LE,rate=48000,channels=2 ! \
  loudnorm interval=100000000 ! fakesink > "$out"
grep 'final=(boolean)true' "$out" |
  sed -n 's/.*integrated-loudness=(double)\([^,]*\),.*/1 kHz at -23 dBFS: \1 LUFS/p'

# 3. Measure while listening (needs an audio device, so not run here):
#    gst-launch-1.0 -m filesrc location=song.flac ! decodebin ! \
#      audioconvert ! loudnorm ! audioconvert ! autoaudiosink
