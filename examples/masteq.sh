#!/bin/sh
# Render a file through masteq with a shipped preset (warm, bright, air,
# low-cut, vocal-presence) or, with no preset, a typical mastering curve.
#   examples/masteq.sh in.flac out.wav [preset]
# From a build tree: GST_PLUGIN_PATH=build/gst GST_PRESET_PATH=gst/presets
set -e
in=${1:?usage: $0 in out.wav [preset]}
out=${2:?usage: $0 in out.wav [preset]}
preset=$3

if [ -n "$preset" ]; then
  # gst-launch-1.0 cannot load a preset (applications call
  # gst_preset_load_preset ()), so the shipped presets are spelled out:
  case $preset in
    warm) eq="masteq num-bands=3 band0::type=high-pass band0::freq=30 \
band1::type=low-shelf band1::freq=120 band1::gain=1.5 \
band2::type=high-shelf band2::freq=9000 band2::gain=-1" ;;
    bright) eq="masteq num-bands=2 band0::type=tilt band0::freq=1000 \
band0::gain=1.5 band1::type=peak band1::freq=250 band1::gain=-1 band1::q=0.8" ;;
    air) eq="masteq num-bands=2 band0::type=high-shelf band0::freq=12000 \
band0::gain=2 band0::q=0.6 band1::type=high-shelf band1::freq=8000 \
band1::gain=0.5 band1::channels=side" ;;
    low-cut) eq="masteq num-bands=2 band0::type=high-pass band0::freq=28 \
band0::order=4 band1::type=high-pass band1::freq=120 band1::channels=side" ;;
    vocal-presence) eq="masteq num-bands=2 band0::type=peak band0::freq=3000 \
band0::gain=2 band0::q=1.2 band0::channels=mid band1::type=peak \
band1::freq=300 band1::gain=-1.5 band1::q=1 band1::channels=mid" ;;
    *) echo "unknown preset $preset" >&2; exit 1 ;;
  esac
else
  eq="masteq num-bands=3 band0::type=high-pass band0::freq=25 \
band0::order=4 band1::type=low-shelf band1::freq=90 band1::gain=1.5 \
band2::type=high-shelf band2::freq=12000 band2::gain=2"
fi

# shellcheck disable=SC2086
gst-launch-1.0 -q filesrc location="$in" ! decodebin ! audioconvert ! \
  audio/x-raw,format=F32LE ! $eq ! audioconvert ! wavenc ! \
  filesink location="$out"
