#!/usr/bin/env bash
# Fetches Envoy's API protos (the deps/ folder of the npm package @grpc/grpc-js-xds),
# checks the tarball against its published integrity hash, and unpacks it under DEST.
# Usage: fetch-envoy-protos.sh DEST   (DEST/grpc-js-xds-<version>/package/deps is the result)
set -euo pipefail
version=1.14.1
# dist.integrity of @grpc/grpc-js-xds@1.14.1 as published on the npm registry.
integrity="sha512-F2mVXwEeMWw1znPUrp+8ykjsIOVnf7Rv+EyIvXOfz73w5tNolCnzokpLkE/d2Ehx30PJmZXqCQdMpx8DcBJohA=="

dest="${1:?usage: fetch-envoy-protos.sh DEST}"
out="$dest/grpc-js-xds-$version"
[ -f "$out/.complete" ] && exit 0

command -v npm >/dev/null || { echo "fetch-envoy-protos: npm is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$dest"
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@grpc/grpc-js-xds@$version" >/dev/null)
tarball="$work/grpc-grpc-js-xds-$version.tgz"
[ -f "$tarball" ] || { echo "fetch-envoy-protos: npm pack produced no $tarball" >&2; exit 1; }

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "fetch-envoy-protos: integrity mismatch for @grpc/grpc-js-xds@$version" >&2
  echo "  expected $integrity" >&2
  echo "  got      $actual" >&2
  exit 1
fi

mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked" package/deps
rm -rf "$out"
mv "$work/unpacked" "$out"
touch "$out/.complete"
echo "fetch-envoy-protos: @grpc/grpc-js-xds@$version unpacked into $out"
