// AWS credentials and reading them from a Kubernetes Secret. Their values are never logged and
// never appear in errors or status: messages name the Secret and the key only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kgw/sdk/host_api.h"

namespace kgw::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when the credentials are long-term

  friend bool operator==(const Credentials&, const Credentials&) = default;
};

// The Secret's `accessKey`, `secretKey` and optional `sessionToken`. On any problem, nullopt and
// one message per problem in `errors` (a missing or empty key, a value with whitespace or control
// characters, as a Secret made with `echo` into a file gets).
std::optional<Credentials> credentials_from_secret(const sdk::Secret& secret, std::vector<std::string>& errors);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or nullopt when either of the
// first two is unset.
std::optional<Credentials> credentials_from_environment();

}  // namespace kgw::aws
