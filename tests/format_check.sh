#!/usr/bin/env bash
# Fails when a C++ source of the project differs from what clang-format makes of it (.clang-format).
set -uo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/setup.sh installs it)"; exit 1; }
mapfile -t files < <(git ls-files 'host/*.cc' 'host/*.h' 'sdk/*.h' 'plugins/*.cc' 'tests/*.cc' 'tests/*.h' 2>/dev/null ||
                     find host sdk plugins tests -name '*.cc' -o -name '*.h')
out=$(clang-format --dry-run "${files[@]}" 2>&1)
if [ -n "$out" ]; then
  echo "$out" | grep "warning:" | cut -d: -f1 | sort -u | sed 's/^/needs clang-format: /'
  echo "run: clang-format -i <file>"
  exit 1
fi
echo "PASS: ${#files[@]} files formatted"
