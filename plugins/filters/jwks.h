// JSON Web Key Sets from the forms a GatewayExtension accepts inline: PEM public keys, a single
// JWK or a key set.
#pragma once

#include <string>

namespace kgw::filters {

struct Jwks {
  std::string json;   // the key set, for Envoy's local_jwks
  std::string error;  // why there is none; empty on success
};

// PEM blocks (SubjectPublicKeyInfo, or PKCS#1 for RSA; RSA, EC P-256/384/521 and Ed25519 keys)
// become signature keys with kgateway's field order; a JSON key set is kept as written and a
// single JWK is wrapped into a set.
Jwks jwks_from_inline(const std::string& text);

}  // namespace kgw::filters
