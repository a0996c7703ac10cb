#!/bin/sh
# Fuzzes every dsp module: builds the libFuzzer targets of tests/fuzz in
# build-fuzz/ (clang, -Dfuzz=enabled: dsp/ and the targets with
# AddressSanitizer and UndefinedBehaviorSanitizer) and runs each one for
# SECONDS (default 60), seeded with the inputs that once failed
# (tests/fuzz/regress/<target>/); the corpus grows in build-fuzz/corpus/.
# A crash, memory error, undefined behaviour or failed invariant is saved
# as tests/fuzz/crashes/<target>-crash-<sha1> (replay it with
# build-fuzz/tests/fuzz/<target> FILE).  Prints one line per target,
#   "fuzz <target>: ok|FAILED, N executions",
# and exits non-zero when any target failed.  Installs clang and the
# libFuzzer runtime (libclang-rt-14-dev) when missing (Debian 12, as root
# or with sudo).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/common.sh

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"loudness truepeak limiter compressor stereo eq normalizer
  biquad"}

if ! need_packages clang libclang-rt-14-dev; then
  echo "FAILED: installing clang"
  exit 1
fi
# shellcheck disable=SC2086
need_packages $BUILD_PACKAGES || exit 1

t=$(now)
export CC=clang
# no -Dwerror: clang warns about other things than gcc, and the gcc
# builds of scripts/test.sh are the warning-free ones
if ! ensure_build build-fuzz -Dfuzz=enabled -Dorc=disabled \
    -Dwerror=false -Dtests=disabled -Dbuildtype=debugoptimized ||
    ! ninja -C build-fuzz -j2; then
  echo "FAILED: build of build-fuzz"
  exit 1
fi
say_time "build build-fuzz" "$t"

mkdir -p tests/fuzz/crashes
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
bad=0
for n in $targets; do
  exe=build-fuzz/tests/fuzz/fuzz-$n
  corpus=build-fuzz/corpus/$n
  mkdir -p "$corpus"
  seeds=""
  [ -d "tests/fuzz/regress/fuzz-$n" ] && seeds="tests/fuzz/regress/fuzz-$n"
  log=build-fuzz/fuzz-$n.log
  # -fork would survive a crash and go on; one crash is enough to fail
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="tests/fuzz/crashes/fuzz-$n-" \
    "$corpus" $seeds >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz fuzz-$n: ok, ${execs:-?} executions"
  else
    bad=$((bad + 1))
    echo "fuzz fuzz-$n: FAILED (exit $rc), ${execs:-?} executions"
    grep -E 'ERROR|check failed|runtime error|SUMMARY|Test unit written' \
      "$log" | head -n 20
  fi
done
[ "$bad" -eq 0 ]
