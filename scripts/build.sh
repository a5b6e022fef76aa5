#!/usr/bin/env bash
# Sets up what is missing, then configures and builds kgw in build/ (Release, Ninja, ccache).
# Extra arguments are passed to `cmake --build` (for example `--target kgw`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build="${KGW_BUILD_DIR:-$root/build}"
jobs="${KGW_JOBS:-$(nproc)}"
# Clones side by side share ccache hits: paths are hashed relative to the parent folder.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$root")}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j "$jobs" "$@"
