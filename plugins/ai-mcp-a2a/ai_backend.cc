// `spec.ai`: one provider (named "backend") or priority groups of named providers.
#include <set>

#include "backend_kind.h"
#include "backend_policy_features.h"

namespace kgw::agw_backend {
namespace {

using Provider = agw_api::AIBackend::Provider;

std::optional<agw_api::AIBackend::OpenAI::ModerationMode> moderation_mode(const Node& node) {
  auto mode = node["mode"].string();
  if (!mode) return std::nullopt;
  if (*mode == "Block") return agw_api::AIBackend::OpenAI::MODERATION_MODE_BLOCK;
  if (*mode == "Score") return agw_api::AIBackend::OpenAI::MODERATION_MODE_SCORE;
  node["mode"].invalid("unknown mode \"" + *mode + "\" (Block or Score)");
  return std::nullopt;
}

void openai(const Node& node, agw_api::AIBackend::OpenAI& out) {
  if (auto m = node["model"].string()) out.set_model(*m);
  if (const Node mod = node["moderation"]) {
    auto* m = out.mutable_moderation();
    m->set_model(mod["model"].string_or("omni-moderation-latest"));
    if (auto in = moderation_mode(mod["policy"]["input"])) m->mutable_policy()->mutable_input()->set_mode(*in);
    if (auto o = moderation_mode(mod["policy"]["output"])) m->mutable_policy()->mutable_output()->set_mode(*o);
  }
}

// Azure OpenAI by endpoint: a `<resource>.openai.azure.com` or `<resource>.services.ai.azure.com`
// endpoint names an Azure resource; any other host is used as it is.
void azure_openai(const Node& node, Provider& out) {
  std::string endpoint = node["endpoint"].string_or("");
  for (std::string_view scheme : {"https://", "http://"})
    if (endpoint.starts_with(scheme)) endpoint.erase(0, scheme.size());
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.empty()) node["endpoint"].invalid("an endpoint is required");
  auto deployment = node["deploymentName"].string();
  if (!deployment) node["deploymentName"].invalid("a deployment name is required");
  auto api_version = node["apiVersion"].string();

  static const std::pair<std::string_view, agw_api::AIBackend::AzureResourceType> kSuffixes[] = {
      {".openai.azure.com", agw_api::AIBackend::OPEN_AI}, {".services.ai.azure.com", agw_api::AIBackend::FOUNDRY}};
  for (const auto& [suffix, type] : kSuffixes)
    if (endpoint.size() > suffix.size() && endpoint.ends_with(suffix)) {
      auto* az = out.mutable_azure();
      az->set_resource_name(endpoint.substr(0, endpoint.size() - suffix.size()));
      az->set_resource_type(type);
      if (deployment) az->set_model(*deployment);
      if (api_version) az->set_api_version(*api_version);
      return;
    }
  auto* az = out.mutable_azureopenai();
  az->set_host(endpoint);
  if (deployment) az->set_model(*deployment);
  if (api_version) az->set_api_version(*api_version);
}

void azure(const Node& node, agw_api::AIBackend::Azure& out) {
  if (auto r = node["resourceName"].string())
    out.set_resource_name(*r);
  else
    node["resourceName"].invalid("required");
  if (auto type = node["resourceType"].string()) {
    if (*type == "Foundry")
      out.set_resource_type(agw_api::AIBackend::FOUNDRY);
    else if (*type != "OpenAI")
      node["resourceType"].invalid("unknown resource type \"" + *type + "\" (OpenAI or Foundry)");
  }
  if (auto m = node["model"].string()) out.set_model(*m);
  if (auto v = node["apiVersion"].string()) out.set_api_version(*v);
  if (auto p = node["projectName"].string()) out.set_project_name(*p);
}

void custom(const Translation& t, const Node& node, Provider& out) {
  auto* c = out.mutable_custom();
  if (auto m = node["model"].string()) c->set_model(*m);
  static const std::pair<std::string_view, agw_api::AIBackend::ProviderFormat> kFormats[] = {
      {"Completions", agw_api::AIBackend::COMPLETIONS},
      {"Messages", agw_api::AIBackend::MESSAGES},
      {"Responses", agw_api::AIBackend::RESPONSES},
      {"Embeddings", agw_api::AIBackend::EMBEDDINGS},
      {"AnthropicTokenCount", agw_api::AIBackend::ANTHROPIC_TOKEN_COUNT},
      {"Realtime", agw_api::AIBackend::REALTIME},
      {"Rerank", agw_api::AIBackend::RERANK}};
  for (const Node& f : node["formats"].items()) {
    auto type = f["type"].string();
    if (!type) {
      f["type"].invalid("required");
      continue;
    }
    auto* format = c->add_formats();
    bool known = false;
    for (const auto& [name, value] : kFormats)
      if (*type == name) {
        format->set_format(value);
        known = true;
      }
    if (!known) f["type"].invalid("unknown format \"" + *type + "\"");
    if (auto p = f["path"].string()) format->set_path(*p);
  }
  if (const Node ref = node["backendRef"]) {
    if (ref["namespace"] && ref["namespace"].string_or(t.ns()) != t.ns())
      ref["namespace"].invalid("a provider's backendRef must be in the backend's namespace");
    else if (auto r = backend_reference(t, ref, /*inference_pool=*/true))
      *out.mutable_provider_backend() = *r;
  }
}

void provider(const Translation& t, const Node& node, std::string name, Provider& out) {
  out.set_name(std::move(name));
  int kinds = 0;
  for (const char* k : {"openai", "anthropic", "gemini", "vertexai", "bedrock", "azureopenai", "azure", "custom"})
    if (node[k]) ++kinds;
  if (kinds != 1) {
    node.invalid(
        "exactly one of openai, anthropic, gemini, vertexai, bedrock, azureopenai, azure or custom must be set");
    return;
  }
  if (const Node n = node["openai"]) {
    openai(n, *out.mutable_openai());
  } else if (const Node n = node["anthropic"]) {
    auto* a = out.mutable_anthropic();
    if (auto m = n["model"].string()) a->set_model(*m);
  } else if (const Node n = node["gemini"]) {
    auto* g = out.mutable_gemini();
    if (auto m = n["model"].string()) g->set_model(*m);
  } else if (const Node n = node["vertexai"]) {
    auto* v = out.mutable_vertex();
    if (auto m = n["model"].string()) v->set_model(*m);
    if (auto r = n["region"].string())
      v->set_region(*r);
    else
      n["region"].invalid("required");
    if (auto p = n["projectId"].string())
      v->set_project_id(*p);
    else
      n["projectId"].invalid("required");
  } else if (const Node n = node["bedrock"]) {
    auto* b = out.mutable_bedrock();
    if (auto m = n["model"].string()) b->set_model(*m);
    b->set_region(n["region"].string_or("us-east-1"));  // the CRD's default
    if (const Node g = n["guardrail"]) {
      if (auto id = g["identifier"].string()) b->set_guardrail_identifier(*id);
      if (auto v = g["version"].string()) b->set_guardrail_version(*v);
    }
  } else if (const Node n = node["azureopenai"]) {
    azure_openai(n, out);
  } else if (const Node n = node["azure"]) {
    azure(n, *out.mutable_azure());
  } else {
    custom(t, node["custom"], out);
  }

  auto host = node["host"].string();
  auto port = node["port"].integer_in(1, 65535);
  if (host || port) {
    if (!host || !port) {
      node[host ? "port" : "host"].invalid("host and port are set together");
    } else {
      out.mutable_host_override()->set_host(*host);
      out.mutable_host_override()->set_port(static_cast<int32_t>(*port));
    }
  } else if (node["custom"] && !node["custom"]["backendRef"]) {
    node["custom"].invalid("a custom provider needs backendRef, or host and port on the provider");
  }
  if (auto p = node["path"].string()) out.set_path_override(*p);
  if (auto p = node["pathPrefix"].string()) out.set_path_prefix(*p);

  std::vector<agw_api::BackendPolicySpec> policies;
  PolicyOptions options;
  options.lenient_secrets = true;
  options.ai = true;
  translate_policies(t, node["policies"], options, policies);
  for (auto& p : policies) *out.add_inline_policies() = std::move(p);
}

}  // namespace

void translate_ai(const Translation& t, const Node& ai, agw_api::AIBackend& out) {
  const Node single = ai["provider"], groups = ai["groups"];
  if (bool(single) == bool(groups)) {
    ai.invalid("exactly one of provider or groups must be set");
    return;
  }
  if (single) {
    provider(t, single, "backend", *out.add_provider_groups()->add_providers());
    return;
  }
  std::set<std::string> names;
  for (const Node& group : groups.items()) {
    auto* g = out.add_provider_groups();
    const auto providers = group["providers"].items();
    if (providers.empty()) group["providers"].invalid("at least one provider is required");
    for (const Node& p : providers) {
      auto name = p["name"].string();
      if (!name || name->empty()) {
        p["name"].invalid("a provider name is required");
        continue;
      }
      if (!names.insert(*name).second) p["name"].invalid("provider name \"" + *name + "\" is used twice");
      provider(t, p, *name, *g->add_providers());
    }
  }
}

}  // namespace kgw::agw_backend
