#!/bin/sh
# Installs the build dependencies (only what is missing), builds
# gst-mastering in build/ and analyses the bundled demo track with
# `gst-master --analyze`.  Idempotent.  Debian 12, as root (or with sudo).
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
  build/tools/gst-master --analyze build/tools/demo.wav
echo
say_time "total" "$start"
