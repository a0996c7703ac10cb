#!/bin/sh
# The project's formatter: GNU indent with GStreamer's gst-indent options
# (2-space indent, braces on the if line, cuddled else, 80 columns, return
# type on its own line, a space before call parentheses).
#   sh scripts/indent.sh                 format every C file in the tree
#   sh scripts/indent.sh FILE...         format these files
#   sh scripts/indent.sh --check         list files that are not formatted
# Needs GNU indent (Debian package `indent`).
set -eu
cd "$(dirname "$0")/.."

OPTS="--braces-on-if-line --case-brace-indentation0 --case-indentation2
  --braces-after-struct-decl-line --line-length80 --no-tabs --cuddle-else
  --dont-line-up-parentheses --continuation-indentation4 --honour-newlines
  --tab-size8 --indent-level2 --leave-preprocessor-space"

check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
if [ $# -eq 0 ]; then
  set -- $(git ls-files '*.c' '*.h')
fi

status=0
for f in "$@"; do
  # shellcheck disable=SC2086
  indent $OPTS "$f" -o "$f.indent"
  if [ $check -eq 1 ]; then
    if ! cmp -s "$f" "$f.indent"; then
      echo "$f"
      status=1
    fi
    rm -f "$f.indent"
  else
    mv "$f.indent" "$f"
  fi
done
exit $status
