#!/bin/sh
# Installs what the build and the tests need (only what is missing),
# builds gst-mastering and runs the whole suite:
#   1. build/ (ORC, -Dwerror=true):               meson test
#   2. build/ again with ORC_CODE=backup:         meson test
#      (ORC's plain-C backup functions instead of generated code)
#   3. build/ benchmarks, shortened:              meson test --benchmark
#   4. build-plainc/ (-Dorc=disabled -Dwerror=true): meson test
#      (the kernels compiled as plain C)
#   5. fuzz: scripts/fuzz.sh, every dsp module's libFuzzer target with
#      ASan and UBSan for MST_FUZZ_SECONDS (default 20) seconds each in
#      build-fuzz/ (clang), one result per target
# and ends with one line "N passed, N failed" summed over the runs.  Exits
# non-zero on any failure.  Idempotent.  Debian 12, as root (or with sudo).
set -u
cd "$(dirname "$0")/.."
. scripts/common.sh

passed=0
failed=0
skipped=0
start=$(now)

finish () {
  say_time "total" "$start"
  if [ "$skipped" -gt 0 ]; then
    echo "($skipped skipped)"
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# count_log FILE: adds the results of a meson JSON test log; a missing log
# (meson test could not run) counts as one failure.
count_log () {
  if [ ! -s "$1" ]; then
    echo "FAILED: no test log $1"
    failed=$((failed + 1))
    return
  fi
  ok=$(grep -c -E '"result": "(OK|EXPECTEDFAIL)"' "$1")
  bad=$(grep -c -E '"result": "(FAIL|TIMEOUT|INTERRUPT|ERROR|UNEXPECTEDPASS)"' "$1")
  sk=$(grep -c '"result": "SKIP"' "$1")
  passed=$((passed + ok))
  failed=$((failed + bad))
  skipped=$((skipped + sk))
  echo "== $ok passed, $bad failed, $sk skipped ($1)"
}

# build DIR OPTIONS...: configure and compile as much as compiles; a
# failure counts once.  Returns non-zero only when DIR could not be
# configured: after a compile error the tests that did build still run
# (those that did not, fail).
build () {
  dir=$1
  t=$(now)
  if ! ensure_build "$@"; then
    echo "FAILED: configuring $dir"
    failed=$((failed + 1))
    say_time "build $dir" "$t"
    return 1
  fi
  if ! ninja -C "$dir" -k 0; then
    echo "FAILED: build of $dir"
    failed=$((failed + 1))
  fi
  say_time "build $dir" "$t"
  return 0
}

# suite LABEL DIR LOGBASE [VAR=value...] [-- meson test options...]
suite () {
  label=$1
  dir=$2
  log=$3
  shift 3
  vars=""
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    vars="$vars $1"
    shift
  done
  [ $# -gt 0 ] && shift
  t=$(now)
  echo "== $label"
  # after a partial build, run the tests that were built; the others fail
  kind=--tests
  case " $* " in *" --benchmark "*) kind=--benchmarks ;; esac
  built=$(meson introspect "$dir" $kind | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    print(("" if os.path.exists(t["cmd"][0]) else "-") + t["name"])')
  names=""
  for n in $built; do
    case $n in
      -*)
        echo "FAILED: ${n#-} was not built"
        failed=$((failed + 1))
        ;;
      *) names="$names $n" ;;
    esac
  done
  if [ -n "$names" ]; then
    rm -f "$dir/meson-logs/$log.json"
    # shellcheck disable=SC2086
    env $vars meson test -C "$dir" --no-rebuild --print-errorlogs \
      --logbase "$log" "$@" $names
    count_log "$dir/meson-logs/$log.json"
  fi
  say_time "$label" "$t"
}

t=$(now)
# shellcheck disable=SC2086
if ! need_packages $BUILD_PACKAGES $TEST_PACKAGES; then
  echo "FAILED: installing the dependencies"
  failed=$((failed + 1))
  finish
fi
say_time "dependencies" "$t"

if build build -Dwerror=true -Dtests=enabled; then
  suite "tests (ORC)" build testlog
  suite "tests (ORC_CODE=backup)" build testlog-orc-backup ORC_CODE=backup
  suite "benchmarks (60 s of audio)" build benchlog MST_BENCH_SECONDS=60 \
    -- --benchmark
fi

if build build-plainc -Dorc=disabled -Dwerror=true -Dtests=enabled; then
  suite "tests (-Dorc=disabled)" build-plainc testlog
fi

# fuzz SECONDS: scripts/fuzz.sh; one pass or fail per target, a failure
# before the targets ran (clang, the build) counts once
fuzz () {
  t=$(now)
  echo "== fuzz ($1 s each)"
  flog=$(mktemp)
  sh scripts/fuzz.sh "$1" 2>&1 | tee "$flog"
  ok=$(grep -c '^fuzz fuzz-.*: ok' "$flog")
  bad=$(grep -c '^fuzz fuzz-.*: FAILED' "$flog")
  if grep -q '^FAILED:' "$flog" || [ $((ok + bad)) -eq 0 ]; then
    bad=$((bad + 1))
  fi
  rm -f "$flog"
  passed=$((passed + ok))
  failed=$((failed + bad))
  echo "== $ok passed, $bad failed (fuzz)"
  say_time "fuzz ($1 s each)" "$t"
}
fuzz "${MST_FUZZ_SECONDS:-20}"

finish
