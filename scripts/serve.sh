#!/usr/bin/env bash
# The README's first command: set up, build, and run `kgw serve` on conf/kgw.toml.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Only what serving needs: the tests are the second command's business.
"$root/scripts/build.sh" --target kgw backend-aws filters ai-mcp-a2a
cd "$root"
exec "${KGW_BUILD_DIR:-$root/build}/bin/kgw" serve --config conf/kgw.toml "$@"
