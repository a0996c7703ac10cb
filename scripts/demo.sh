#!/bin/sh
# Installs the build dependencies (only what is missing), builds
# gst-mastering in build/ and masters the bundled demo track with
# `gst-master` (preset streaming: -14 LUFS, -1 dBTP): writes
# build/demo-master.wav and the report picture build/demo-report.png and
# prints the before/after table.  Idempotent.  Debian 12, as root (or with
# sudo).
set -eu
cd "$(dirname "$0")/.."
. scripts/common.sh

start=$(now)
t=$(now)
# shellcheck disable=SC2086
need_packages $BUILD_PACKAGES
say_time "dependencies" "$t"

t=$(now)
ensure_build build
# only what the demo needs: the tests also need libebur128 (scripts/test.sh)
ninja -C build gst/libgstmastering.so tools/gst-master tools/demo.wav
say_time "build" "$t"

echo
GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}" \
  build/tools/gst-master build/tools/demo.wav build/demo-master.wav \
  --report build/demo-report.png
echo
say_time "total" "$start"
