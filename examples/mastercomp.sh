#!/bin/sh
# Compression with the `mastercomp` element from gst-launch-1.0.
#
#   sh examples/mastercomp.sh [FILE]       (default: build/tools/demo.wav)
#
# From a build tree, GStreamer finds the plugin with
#   export GST_PLUGIN_PATH=$PWD/build/gst
# (not needed after `meson install -C build`).
#
# With -m, gst-launch-1.0 prints every bus message: `mastercomp` posts one
# every `interval` nanoseconds with `gain-reduction`, the largest gain
# reduction (dB) of each band during that interval.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/../build/tools/demo.wav}
if [ -z "${GST_PLUGIN_PATH:-}${GST_PLUGIN_PATH_1_0:-}" ] \
    && [ -d "$here/../build/gst" ]; then
  GST_PLUGIN_PATH="$here/../build/gst"
  export GST_PLUGIN_PATH
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# 1. Broadband glue compression, written to a WAV file; gain reduction
#    printed every 500 ms.
gst-launch-1.0 -m filesrc location="$file" ! decodebin ! audioconvert ! \
  audio/x-raw,format=F32LE ! \
  mastercomp threshold=-20 ratio=2 knee=6 attack=10 release=120 \
    auto-release=true auto-makeup=true sidechain-hpf=90 \
    interval=500000000 ! \
  audioconvert ! wavenc ! filesink location="$out/broadband.wav" \
  > "$out/log1"
grep 'mastercomp,' "$out/log1" | head -n 5

# 2. Three bands with 5 ms lookahead: bass held firmly, mids gently,
#    highs untouched; parallel (50 % wet).
gst-launch-1.0 -m filesrc location="$file" ! decodebin ! audioconvert ! \
  audio/x-raw,format=F32LE ! \
  mastercomp bands=3 crossover-low=120 crossover-mid=2000 lookahead=5 \
    mix=0.5 band0::threshold=-24 band0::ratio=3 band1::threshold=-20 \
    band1::ratio=1.5 band2::bypass=true interval=500000000 ! \
  audioconvert ! wavenc ! filesink location="$out/multiband.wav" \
  > "$out/log2"
grep 'mastercomp,' "$out/log2" | head -n 5

ls -l "$out"
