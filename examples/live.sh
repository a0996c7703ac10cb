#!/bin/sh
# Live mastering: `automaster mode=live` in a live pipeline.
#
#   sh examples/live.sh [SECONDS]        (default 4)
#
# A live test source (pink noise, a new buffer every 100 ms) runs through
# the chain to a clock-synchronised sink for SECONDS seconds.  In live mode
# loudnorm normalises with a lookahead (here 500 ms instead of the default
# 3 s) and a smoothed gain; the bin reports the sum of its children's
# latencies, which the pipeline prints as it configures.  With PLAY=1 and
# an audio device the result is played (autoaudiosink) instead.
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
seconds=${1:-4}
buffers=$((seconds * 10))

sink="fakesink sync=true"
if [ "${PLAY:-0}" = 1 ] && gst-inspect-1.0 autoaudiosink > /dev/null 2>&1; then
  sink="audioconvert ! autoaudiosink"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The meter messages arrive every 500 ms: short-term loudness (LUFS) and
# the gain loudnorm applies (dB).
# shellcheck disable=SC2086
gst-launch-1.0 -m audiotestsrc is-live=true wave=pink-noise volume=0.1 \
    samplesperbuffer=4800 num-buffers=$buffers ! \
  audio/x-raw,format=F32LE,rate=48000,channels=2 ! \
  automaster mode=live preset=streaming loudnorm::lookahead=500 \
    loudnorm::interval=500000000 ! \
  $sink > "$out"

sed -n 's/.*element "loudnorm".*shortterm-loudness=(double)\([^,]*\),.*gain=(double)\([^,;]*\).*/short-term \1 LUFS, gain \2 dB/p' \
  "$out"
grep -q 'Got EOS' "$out" && echo "live run finished (EOS)"
