#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need (run as root).
# Idempotent: does nothing that is already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-filesystem-dev libboost-system-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libspdlog-dev libfmt-dev libtomlplusplus-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libssl-dev python3 openssl binutils clang-format
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches Envoy's API protos; a machine may already have Node.js from elsewhere.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Envoy's API protos are fetched by the CMake configure step (scripts/fetch-envoy-protos.sh).

# grpc-js-xds, the Node.js proxyless xDS client the client tests drive (versions pinned by the
# lock file). Installed again only when the lock file changed.
node_client="$root/tests/clients/node"
if [ ! -f "$node_client/node_modules/.package-lock.json" ] ||
   [ "$node_client/package-lock.json" -nt "$node_client/node_modules/.package-lock.json" ]; then
  echo "setup: installing the Node.js xDS client's packages"
  (cd "$node_client" && npm ci --no-audit --no-fund --loglevel=error)
fi
