// `policies.ai` of an AI backend: request field defaults and overrides, CEL transformations,
// prompt enrichment, model aliases, prompt caching, route types and prompt guards.
#include <type_traits>

#include "backend_policy_features.h"
#include "json.h"

namespace kgw::agw_backend {
namespace {

using Ai = agw_api::BackendPolicySpec::Ai;

// `[{field, value}]` into `field -> JSON of value`.
void field_values(const Node& list, google::protobuf::Map<std::string, std::string>& out) {
  for (const Node& item : list.items()) {
    auto field = item["field"].string();
    if (!field || field->empty()) {
      item["field"].invalid("required");
      continue;
    }
    if (!item["value"]) {
      item["value"].invalid("required");
      continue;
    }
    std::string json;
    append_json(json, *item["value"].value());
    out[*field] = json;
  }
}

// `[{field, expression}]` into `field -> CEL expression`.
void field_expressions(const Node& list, const std::string& what,
                       google::protobuf::Map<std::string, std::string>& out) {
  for (const Node& item : list.items()) {
    auto field = item["field"].string();
    auto expression = item["expression"].string();
    if (!field || field->empty()) item["field"].invalid("required");
    if (!expression) item["expression"].invalid("required");
    if (field && expression) {
      check_cel(item["expression"], *expression, what + " \"" + *field + "\"");
      out[*field] = *expression;
    }
  }
}

void messages(const Node& list, google::protobuf::RepeatedPtrField<Ai::Message>& out) {
  for (const Node& item : list.items()) {
    auto* m = out.Add();
    m->set_role(item["role"].string_or(""));
    m->set_content(item["content"].string_or(""));
  }
}

template <typename Enum>
bool lookup(const Node& node, std::initializer_list<std::pair<std::string_view, Enum>> table, Enum& out) {
  auto s = node.string();
  if (!s) return false;
  for (const auto& [name, value] : table)
    if (*s == name) {
      out = value;
      return true;
    }
  std::string names;
  for (const auto& entry : table) names += (names.empty() ? "" : ", ") + std::string(entry.first);
  node.invalid("unknown value \"" + *s + "\" (" + names + ")");
  return false;
}

void guard_policies(const Translation& t, const Node& node,
                    google::protobuf::RepeatedPtrField<agw_api::BackendPolicySpec>& out) {
  std::vector<agw_api::BackendPolicySpec> policies;
  translate_policies(t, node, PolicyOptions{}, policies);
  for (auto& p : policies) *out.Add() = std::move(p);
}

void regex_rules(const Node& node, Ai::RegexRules& out) {
  Ai::ActionKind action;
  if (lookup<Ai::ActionKind>(node["action"], {{"Mask", Ai::MASK}, {"Reject", Ai::REJECT}}, action))
    out.set_action(action);
  for (auto& m : node["matches"].strings()) out.add_rules()->set_regex(m);
  for (const Node& b : node["builtins"].items()) {
    Ai::BuiltinRegexRule rule;
    if (lookup<Ai::BuiltinRegexRule>(b,
                                     {{"Ssn", Ai::SSN},
                                      {"CreditCard", Ai::CREDIT_CARD},
                                      {"PhoneNumber", Ai::PHONE_NUMBER},
                                      {"Email", Ai::EMAIL},
                                      {"CaSin", Ai::CA_SIN}},
                                     rule))
      out.add_rules()->set_builtin(rule);
  }
}

void webhook(const Translation& t, const Node& node, Ai::Webhook& out) {
  if (const Node ref = node["backendRef"]) {
    if (auto r = backend_reference(t, ref, false, "failed to build webhook")) *out.mutable_backend() = *r;
  } else {
    node["backendRef"].invalid("required");
  }
  Ai::Webhook::FailureMode mode;
  if (lookup<Ai::Webhook::FailureMode>(
          node["failureMode"], {{"FailClosed", Ai::Webhook::FAIL_CLOSED}, {"FailOpen", Ai::Webhook::FAIL_OPEN}}, mode))
    out.set_failure_mode(mode);
  for (const auto& [name, value] : node["headers"].entries())
    if (auto v = value.string()) (*out.mutable_headers())[name] = *v;
  for (const Node& m : node["forwardHeaderMatches"].items()) {
    auto* match = out.add_forward_header_matches();
    match->set_name(m["name"].string_or(""));
    const std::string type = m["type"].string_or("Exact");
    const std::string value = m["value"].string_or("");
    if (type == "Exact")
      match->set_exact(value);
    else if (type == "RegularExpression")
      match->set_regex(value);
    else
      m["type"].invalid("unknown type \"" + type + "\" (Exact or RegularExpression)");
  }
}

void bedrock(const Translation& t, const Node& node, Ai::BedrockGuardrails& out) {
  out.set_identifier(node["identifier"].string_or(""));
  out.set_version(node["version"].string_or(""));
  out.set_region(node["region"].string_or(""));
  guard_policies(t, node["policies"], *out.mutable_inline_policies());
}

void model_armor(const Translation& t, const Node& node, Ai::GoogleModelArmor& out) {
  out.set_template_id(node["templateId"].string_or(""));
  out.set_project_id(node["projectId"].string_or(""));
  out.set_location(node["location"].string_or("us-central1"));  // the CRD's default
  guard_policies(t, node["policies"], *out.mutable_inline_policies());
}

void rejection(const Node& node, Ai::RequestRejection& out) {
  if (auto m = node["message"].string()) out.set_body(*m);
  if (auto code = node["statusCode"].integer_in(200, 599)) out.set_status(static_cast<uint32_t>(*code));
}

template <typename Guard>
void guard(const Translation& t, const Node& node, Guard& out) {
  int kinds = 0;
  for (const char* k : {"regex", "webhook", "openAIModeration", "bedrockGuardrails", "googleModelArmor"})
    if (node[k]) ++kinds;
  if (kinds != 1) {
    node.invalid("exactly one of regex, webhook, openAIModeration, bedrockGuardrails or googleModelArmor must be set");
    return;
  }
  if (const Node r = node["response"]) rejection(r, *out.mutable_rejection());
  if (const Node n = node["regex"]) {
    regex_rules(n, *out.mutable_regex());
  } else if (const Node n = node["webhook"]) {
    webhook(t, n, *out.mutable_webhook());
  } else if (const Node n = node["bedrockGuardrails"]) {
    bedrock(t, n, *out.mutable_bedrock_guardrails());
  } else if (const Node n = node["googleModelArmor"]) {
    model_armor(t, n, *out.mutable_google_model_armor());
  } else if (const Node n = node["openAIModeration"]) {
    if constexpr (std::is_same_v<Guard, Ai::RequestGuard>) {
      auto* m = out.mutable_openai_moderation();
      if (auto model = n["model"].string()) m->set_model(*model);
      guard_policies(t, n["policies"], *m->mutable_inline_policies());
    } else {
      n.invalid("only request guards can use OpenAI moderation");
    }
  }
}

// A guard list is served whole or not at all: the first guard that fails drops its list, and
// the guards after it are not looked at.
template <typename Guard>
void guard_list(const Translation& t, const Node& list, google::protobuf::RepeatedPtrField<Guard>& out) {
  google::protobuf::RepeatedPtrField<Guard> built;
  for (const Node& g : list.items()) {
    const size_t errors_before = g.diag().errors().size();
    auto* r = built.Add();
    guard(t, g, *r);
    if constexpr (std::is_same_v<Guard, Ai::RequestGuard>) {
      for (const Node& s : g["scope"].items()) {
        Ai::ContentScope scope;
        if (lookup<Ai::ContentScope>(s,
                                     {{"SystemPrompt", Ai::CONTENT_SCOPE_SYSTEM_PROMPT},
                                      {"Messages", Ai::CONTENT_SCOPE_MESSAGES},
                                      {"ToolOutput", Ai::CONTENT_SCOPE_TOOL_OUTPUT},
                                      {"ToolInput", Ai::CONTENT_SCOPE_TOOL_INPUT}},
                                     scope))
          r->add_scope(scope);
      }
    }
    if (g.diag().errors().size() != errors_before) return;
  }
  out = std::move(built);
}

void prompt_guard(const Translation& t, const Node& node, Ai::PromptGuard& out) {
  guard_list(t, node["request"], *out.mutable_request());
  guard_list(t, node["response"], *out.mutable_response());
  Ai::PromptGuard::Streaming streaming;
  if (lookup<Ai::PromptGuard::Streaming>(node["streaming"], {{"Enabled", Ai::PromptGuard::ENABLED}}, streaming))
    out.set_streaming(streaming);
}

}  // namespace

void translate_ai_policy(const Translation& t, const Node& node, Ai& out) {
  field_values(node["defaults"], *out.mutable_defaults());
  field_values(node["overrides"], *out.mutable_overrides());
  field_expressions(node["transformations"], "ai transformations", *out.mutable_transformations());
  field_expressions(node["finalTransformations"], "ai finalTransformations", *out.mutable_final_transformations());
  if (const Node p = node["prompt"]) {
    messages(p["append"], *out.mutable_prompts()->mutable_append());
    messages(p["prepend"], *out.mutable_prompts()->mutable_prepend());
  }
  for (const auto& [alias, model] : node["modelAliases"].entries())
    if (auto m = model.string()) (*out.mutable_model_aliases())[alias] = *m;
  if (const Node c = node["promptCaching"]) {
    // Absent fields take the CRD's defaults.
    auto flag = [](const Node& n, bool fallback) {
      if (!n) return fallback;
      if (auto b = n.value()->as_bool()) return *b;
      n.invalid("expected a boolean");
      return fallback;
    };
    auto* pc = out.mutable_prompt_caching();
    pc->set_cache_system(flag(c["cacheSystem"], true));
    pc->set_cache_messages(flag(c["cacheMessages"], true));
    pc->set_cache_tools(flag(c["cacheTools"], false));
    pc->set_min_tokens(static_cast<uint32_t>(c["minTokens"].integer_in(0, UINT32_MAX).value_or(1024)));
    if (auto offset = c["cacheMessageOffset"].integer_in(0, UINT32_MAX))
      pc->set_cache_message_offset(static_cast<uint32_t>(*offset));
  }
  for (const auto& [path, type] : node["routes"].entries()) {
    Ai::RouteType route;
    if (lookup<Ai::RouteType>(type,
                              {{"Completions", Ai::COMPLETIONS},
                               {"Messages", Ai::MESSAGES},
                               {"Models", Ai::MODELS},
                               {"Passthrough", Ai::PASSTHROUGH},
                               {"Detect", Ai::DETECT},
                               {"Responses", Ai::RESPONSES},
                               {"AnthropicTokenCount", Ai::ANTHROPIC_TOKEN_COUNT},
                               {"Embeddings", Ai::EMBEDDINGS},
                               {"Realtime", Ai::REALTIME},
                               {"Rerank", Ai::RERANK},
                               {"GenerateContent", Ai::GENERATE_CONTENT},
                               {"GeminiCountTokens", Ai::GEMINI_COUNT_TOKENS}},
                              route))
      (*out.mutable_routes())[path] = route;
  }
  if (const Node g = node["promptGuard"]) prompt_guard(t, g, *out.mutable_prompt_guard());
}

}  // namespace kgw::agw_backend
