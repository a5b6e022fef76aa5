#!/usr/bin/env bash
# The README's second command: set up, build, and run every test through ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$(date +%s)
"$root/scripts/build.sh"
built=$(date +%s)
ctest --test-dir "${KGW_BUILD_DIR:-$root/build}" --output-on-failure -j "${KGW_JOBS:-$(nproc)}" "$@"
done_at=$(date +%s)
echo "build: $((built - start)) s, tests: $((done_at - built)) s"
