#!/bin/sh
# masterlimit examples.  Usage: masterlimit.sh [input.wav] [output.wav]
# Without arguments a test signal is limited and the telemetry printed.
set -e

IN=${1:-}
OUT=${2:-master.wav}

if [ -z "$IN" ]; then
  # pink noise pushed 12 dB into a -1 dBTP ceiling; prints one
  # `masterlimit` message (gain reduction, true peaks) per second
  gst-launch-1.0 -m audiotestsrc wave=pink-noise volume=0.8 num-buffers=500 ! \
      audio/x-raw,format=F32LE,rate=48000,channels=2 ! \
      masterlimit ceiling=-1 input-gain=12 ! fakesink | grep masterlimit
  exit 0
fi

# master a mix: 6 dB into the limiter, output true peak at most -1 dBTP,
# written as 32-bit float so the ceiling survives the file
gst-launch-1.0 filesrc location="$IN" ! decodebin ! audioconvert ! \
    audio/x-raw,format=F32LE ! \
    masterlimit ceiling=-1 input-gain=6 lookahead=5 release=150 ! \
    audioconvert ! audio/x-raw,format=F32LE ! wavenc ! \
    filesink location="$OUT"
