#include "credentials.h"

#include <cstdlib>

namespace kgw::aws {
namespace {

// Printable ASCII without spaces: what AWS access keys, secret keys and session tokens are made of.
bool clean(const std::string& value) {
  for (unsigned char c : value)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

std::optional<Credentials> credentials_from_secret(const sdk::Secret& secret, std::vector<std::string>& errors) {
  const std::string name = "Secret " + secret.ref.ns + "/" + secret.ref.name;
  const size_t before = errors.size();
  Credentials out;
  auto read = [&](const char* key, std::string& into, bool required) {
    auto it = secret.data.find(key);
    if (it == secret.data.end()) {
      if (required) errors.push_back(name + " has no \"" + key + "\" key");
      return;
    }
    if (it->second.empty()) {
      if (required) errors.push_back(name + ": \"" + key + "\" is empty");
      return;
    }
    if (!clean(it->second)) {
      errors.push_back(name + ": \"" + key + "\" holds whitespace or non-printable characters");
      return;
    }
    into = it->second;
  };
  read("accessKey", out.access_key_id, true);
  read("secretKey", out.secret_access_key, true);
  read("sessionToken", out.session_token, false);
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::optional<Credentials> credentials_from_environment() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* key = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (!id || !*id || !key || !*key) return std::nullopt;
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  return Credentials{id, key, token ? token : ""};
}

}  // namespace kgw::aws
