// The kgateway Backend type GCP: a Google Cloud service over TLS on port 443, authenticated with
// an identity token for its audience (read from the cluster's metadata by the gcp_authn filter,
// which the translator adds to the listener with its metadata-server cluster).
#pragma once

#include <memory>

#include "kgw/sdk/backend_type.h"

namespace kgw::builtin {

std::unique_ptr<sdk::BackendType> make_gcp_backend_type();

}  // namespace kgw::builtin
