#!/usr/bin/env bash
# The README's first command: set up, build, and run `kgw serve` on conf/kgw.toml.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
cd "$root"
exec "${KGW_BUILD_DIR:-$root/build}/bin/kgw" serve --config conf/kgw.toml "$@"
