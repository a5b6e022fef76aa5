#include "jwks_store.h"

#include <cstdint>

#include "json.h"

namespace kgw::agw_backend {
namespace {

constexpr const char* kJwksStoreNamespace = "agentgateway-system";

}  // namespace

std::optional<std::map<std::string, std::string>> json_string_members(std::string_view json) {
  auto parsed = parse_json(json);
  const sdk::Value::Map* members = parsed ? parsed->as_map() : nullptr;
  if (!members) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : *members)
    if (const std::string* s = value.as_string()) out[key] = *s;
  return out;
}

std::optional<std::string> persisted_jwks(const sdk::AgentgatewayContext& ctx, std::string_view url) {
  // Only the controller's namespace: a labeled ConfigMap elsewhere could plant keys for a URL.
  for (const sdk::Object* cm :
       ctx.list_objects({"", "ConfigMap"}, kJwksStoreNamespace, {{"app.kubernetes.io/component", "jwks-store"}})) {
    const sdk::Value* data = cm->body.find("data");
    const sdk::Value* record = data ? data->find("jwks-store") : nullptr;
    if (!record || !record->as_string()) continue;
    auto members = json_string_members(*record->as_string());
    if (!members) continue;
    auto u = members->find("url"), jwks = members->find("jwks");
    if (u != members->end() && u->second == url && jwks != members->end() && !jwks->second.empty()) return jwks->second;
  }
  return std::nullopt;
}

}  // namespace kgw::agw_backend
