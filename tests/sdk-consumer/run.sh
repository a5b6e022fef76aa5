#!/usr/bin/env bash
# Installs the SDK from BUILD_DIR into a temporary prefix, builds the plugin project next to this
# script against it with find_package(KgwSdk) alone, and loads the result with the host.
# Usage: run.sh BUILD_DIR KGW_BINARY
set -euo pipefail
build_dir="$1"
kgw="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
# The consumer sees only the prefix: not the source tree, not the build tree.
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$work/build" >/dev/null

plugin="$work/build/kgw-consumer.so"
[ -f "$plugin" ] || { echo "FAIL: $plugin was not built"; exit 1; }
out="$("$kgw" plugins inspect "$plugin")"
echo "$out"
grep -q '^plugin:      consumer$' <<<"$out" || { echo "FAIL: manifest name not shown"; exit 1; }
grep -q '^  - backend type Vendor$' <<<"$out" || { echo "FAIL: registration not visible"; exit 1; }
if nm -D --undefined-only "$plugin" | grep -q 'kgw::plugins'; then
  echo "FAIL: the plugin links host symbols"; exit 1
fi
echo "PASS: plugin built against the installed SDK loads in the host"
