#include "agw/models.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

#include "agw/listeners.h"
#include "agw/status.h"
#include "agw/value_access.h"

namespace kgw::agw {
namespace {

namespace res = ::agentgateway::dev::resource;

constexpr const char* kModelKind = "AgentgatewayModel";
constexpr const char* kAccepted = "Successfully accepted AgentgatewayModel";

// metadata.creationTimestamp (RFC 3339, UTC) in seconds, or 0.
uint64_t created_seconds(const sdk::Object& o) {
  const std::string ts = str(field(&o.body, "metadata"), "creationTimestamp");
  std::tm tm{};
  if (ts.size() < 19 || std::sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                                    &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t t = timegm(&tm);
  return t < 0 ? 0 : static_cast<uint64_t>(t);
}

std::string match_model(const sdk::Object& model) { return str(field(model.spec(), "match"), "model", model.ref.name); }

// The provider of a concrete model, as the single provider of its AI backend.
res::AIBackend::Provider provider(const Inputs& inputs, const sdk::Object& model, std::optional<Problem>& problem) {
  const sdk::Value* spec = model.spec();
  const std::string name = str(spec, "provider");
  res::AIBackend::Provider p;
  p.set_name("backend");
  if (name == "OpenAI") {
    p.mutable_openai();
  } else if (name == "Anthropic") {
    p.mutable_anthropic();
  } else if (name == "Gemini") {
    p.mutable_gemini();
  } else if (name == "VertexAI") {
    const sdk::Value* v = field(spec, "vertexai");
    p.mutable_vertex()->set_project_id(str(v, "projectId"));
    p.mutable_vertex()->set_region(str(v, "region"));
  } else if (name == "Bedrock") {
    const sdk::Value* b = field(spec, "bedrock");
    p.mutable_bedrock()->set_region(str(b, "region"));
    if (const sdk::Value* g = field(b, "guardrail")) {
      p.mutable_bedrock()->set_guardrail_identifier(str(g, "identifier"));
      p.mutable_bedrock()->set_guardrail_version(str(g, "version"));
    }
  } else if (name == "Azure") {
    const sdk::Value* a = field(spec, "azure");
    res::AIBackend::Azure* azure = p.mutable_azure();
    azure->set_resource_name(str(a, "resourceName"));
    if (str(a, "resourceType") == "Foundry") azure->set_resource_type(res::AIBackend::FOUNDRY);
    if (auto v = opt_str(a, "apiVersion")) azure->set_api_version(*v);
    if (auto v = opt_str(a, "projectName")) azure->set_project_name(*v);
  } else if (name == "Custom") {
    const sdk::Value* c = field(spec, "custom");
    res::AIBackend::Custom* custom = p.mutable_custom();
    for (const auto& f : items(c, "formats")) {
      std::string type = str(&f, "type");
      std::string upper;
      for (char ch : type) {
        if (std::isupper(static_cast<unsigned char>(ch)) && !upper.empty()) upper.push_back('_');
        upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
      }
      res::AIBackend::ProviderFormatConfig* config = custom->add_formats();
      res::AIBackend::ProviderFormat format;
      if (res::AIBackend::ProviderFormat_Parse(upper, &format)) config->set_format(format);
      if (auto path = opt_str(&f, "path")) config->set_path(*path);
    }
    if (const sdk::Value* ref = field(c, "backendRef")) {
      const std::string group = str(ref, "group"), kind = str(ref, "kind", "Service"), ref_name = str(ref, "name");
      const std::string ns = model.ref.ns;
      res::BackendReference* b = p.mutable_provider_backend();
      if (group == "inference.networking.k8s.io" && kind == "InferencePool") {
        const sdk::Object* pool = inputs.find(group, kind, ns, ref_name);
        b->mutable_service()->set_hostname(ref_name + "." + ns + ".inference." + inputs.cluster_domain());
        b->mutable_service()->set_namespace_(ns);
        const auto& ports = items(pool ? pool->spec() : nullptr, "targetPorts");
        if (!ports.empty()) b->set_port(static_cast<uint32_t>(integer(&ports.front(), "number").value_or(0)));
        if (!pool) problem = Problem{"BackendNotFound", "backend(" + b->service().hostname() + ") not found"};
      } else if (group == kAgentgatewayGroup && kind == "AgentgatewayBackend") {
        b->set_backend(ns + "/" + ref_name);
      } else {
        b->mutable_service()->set_hostname(inputs.service_hostname(ns, ref_name));
        b->mutable_service()->set_namespace_(ns);
        if (auto port = integer(ref, "port")) b->set_port(static_cast<uint32_t>(*port));
        if (!inputs.find("", "Service", ns, ref_name))
          problem = Problem{"BackendNotFound", "backend(" + b->service().hostname() + ") not found"};
      }
    }
  } else {
    // The other providers are presets of agentgateway's.
    std::string upper;
    for (char ch : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    res::AIBackend::ProviderPreset preset;
    if (res::AIBackend::ProviderPreset_Parse("PROVIDER_PRESET_" + upper, &preset)) p.set_provider_preset(preset);
  }
  if (auto base = opt_str(spec, "baseURL")) p.set_base_url(*base);
  return p;
}

// The targets of a virtual model, each a same-namespace model; the first unusable one is the
// problem.
std::optional<res::ModelRoute::VirtualModel> virtual_model(const Inputs& inputs, const sdk::Object& model,
                                                           std::optional<Problem>& problem) {
  const sdk::Value* v = field(model.spec(), "virtualModel");
  res::ModelRoute::VirtualModel out;
  for (const char* mode : {"weighted", "conditional", "failover"}) {
    const sdk::Value* routing = field(v, mode);
    if (!routing) continue;
    for (const auto& t : items(routing, "targets")) {
      const std::string target = str(field(&t, "modelRef"), "name");
      const sdk::Object* m = inputs.find(kAgentgatewayGroup, kModelKind, model.ref.ns, target);
      const std::string where = model.ref.ns + "/" + target;
      if (!m) {
        problem = Problem{"Invalid", "model target " + where + " not found"};
        return std::nullopt;
      }
      std::optional<std::string> name = opt_str(&t, "model");
      if (!name) {
        const std::string matched = match_model(*m);
        if (matched.find('*') != std::string::npos) {
          problem = Problem{"Invalid", "model target " + where +
                                           " requires model when the referenced model uses a wildcard match.model"};
          return std::nullopt;
        }
        name = matched;
      }
      if (std::string(mode) == "weighted") {
        auto* w = out.mutable_weighted()->add_targets();
        w->set_model(*name);
        w->set_weight(static_cast<uint32_t>(integer(&t, "weight").value_or(1)));
      } else if (std::string(mode) == "conditional") {
        auto* c = out.mutable_conditional()->add_targets();
        c->set_model(*name);
        if (auto when = opt_str(&t, "when")) c->set_when(*when);
      }
    }
    return out;
  }
  return out;
}

sdk::Value model_parent_ref(const sdk::Object& model, const sdk::Value& ref) {
  sdk::Value v;
  v.set("group", str(&ref, "group", kGatewayGroup));
  v.set("kind", str(&ref, "kind", "Gateway"));
  v.set("name", str(&ref, "name"));
  v.set("namespace", str(&ref, "namespace", model.ref.ns));
  if (auto section = opt_str(&ref, "sectionName")) v.set("sectionName", *section);
  if (auto port = integer(&ref, "port")) v.set("port", *port);
  return v;
}

// The model's problem with its references, resolved once for every parent.
std::optional<Problem> model_refs(const Inputs& inputs, const sdk::Object& model) {
  std::optional<Problem> problem;
  if (field(model.spec(), "virtualModel"))
    virtual_model(inputs, model, problem);
  else
    provider(inputs, model, problem);
  return problem;
}

}  // namespace

void ModelTranslation::attach() {
  for (const sdk::Object* m : inputs_.of_kind(kModelKind)) {
    if (m->ref.group != kAgentgatewayGroup) continue;
    const std::optional<Problem> refs = model_refs(inputs_, *m);
    const auto& refs_list = items(m->spec(), "parentRefs");
    for (size_t i = 0; i < refs_list.size(); ++i) {
      const sdk::Value& ref = refs_list[i];
      const std::string kind = str(&ref, "kind", "Gateway");
      if (str(&ref, "group", kGatewayGroup) != kGatewayGroup || (kind != "Gateway" && kind != "ListenerSet")) continue;
      const std::string ns = str(&ref, "namespace", m->ref.ns), name = str(&ref, "name");
      // The parent's listeners.
      std::vector<ListenerModel*> candidates;
      sdk::ObjectRef gateway;
      for (auto& g : model_.gateways) {
        if (kind == "Gateway" && g.gateway->ref.ns == ns && g.gateway->ref.name == name) {
          gateway = g.gateway->ref;
          for (auto& l : g.listeners) candidates.push_back(&l);
        }
        if (kind == "ListenerSet")
          for (auto& s : g.listener_sets)
            if (s.accepted && s.listener_set->ref.ns == ns && s.listener_set->ref.name == name) {
              gateway = g.gateway->ref;
              for (auto& l : s.listeners) candidates.push_back(&l);
            }
      }
      if (gateway.name.empty()) continue;
      const auto section = opt_str(&ref, "sectionName");
      const auto port = integer(&ref, "port");
      std::optional<Problem> refusal;
      bool attached = false;
      for (ListenerModel* l : candidates) {
        if ((section && l->name != *section) || (port && l->port != *port) || !l->usable()) continue;
        bool kind_ok = false;
        for (const auto& k : l->supported_kinds)
          kind_ok = kind_ok || (k.group == kAgentgatewayGroup && k.kind == kModelKind);
        if (!kind_ok) {
          refusal =
              Problem{"NotAllowedByListeners", "kind " + m->api_version + ", Kind=" + kModelKind + " is not allowed"};
          continue;
        }
        const std::string owner_ns = l->listener_set ? l->listener_set->ns : l->gateway.ns;
        if (!namespace_allowed(inputs_, field(l->allowed_routes, "namespaces"), owner_ns, m->ref.ns, "Same")) {
          refusal = Problem{"NotAllowedByListeners",
                            "model namespace \"" + m->ref.ns + "\" is not allowed by the listener's allowedRoutes"};
          continue;
        }
        attached = true;
        ++l->attached_routes;
        model_.model_listeners.insert(l->key);
        model_.attachments.push_back({m->ref, gateway, l->key});
        if (refs) continue;  // an unresolved model is not routed to

        res::Resource route_resource;
        res::ModelRoute* route = route_resource.mutable_model_route();
        route->set_key(m->ref.ns + "/" + m->ref.name + "." + l->route_key_suffix);
        route->set_listener_key(l->key);
        route->mutable_match()->set_model(match_model(*m));
        if (const uint64_t created = created_seconds(*m)) route->set_created(created);
        if (field(m->spec(), "virtualModel")) {
          std::optional<Problem> ignored;
          if (auto v = virtual_model(inputs_, *m, ignored)) *route->mutable_virtual_model() = std::move(*v);
        } else {
          const std::string backend_key = m->ref.ns + "/" + m->ref.name + "/backend." + l->route_key_suffix;
          res::Resource backend_resource;
          res::Backend* backend = backend_resource.mutable_backend();
          backend->set_key(backend_key);
          backend->mutable_name()->set_name(m->ref.name);
          backend->mutable_name()->set_namespace_(m->ref.ns);
          std::optional<Problem> ignored;
          *backend->mutable_ai()->add_provider_groups()->add_providers() = provider(inputs_, *m, ignored);
          output_.resources.push_back({gateway, std::move(backend_resource)});
          res::ModelRoute::ConcreteModel* concrete = route->mutable_concrete_model();
          concrete->mutable_backend()->set_backend(backend_key);
          if (str(m->spec(), "visibility") == "Internal")
            concrete->set_model_visibility(res::ModelRoute::ConcreteModel::INTERNAL);
        }
        output_.resources.push_back({gateway, std::move(route_resource)});
      }
      sdk::Value accepted = attached  ? condition("Accepted", true, "Accepted", kAccepted)
                            : refusal ? condition("Accepted", false, refusal->reason, refusal->message)
                                      : condition("Accepted", false, "NoMatchingParent", "no matching listener");
      parents_[m][i] = parent_status(model_parent_ref(*m, ref), std::move(accepted), refs);
    }
  }
}

void ModelTranslation::finish() {
  for (const sdk::Object* m : inputs_.of_kind(kModelKind)) {
    if (m->ref.group != kAgentgatewayGroup) continue;
    const std::optional<Problem> refs = model_refs(inputs_, *m);
    const auto& refs_list = items(m->spec(), "parentRefs");
    sdk::Value::List parents;
    for (size_t i = 0; i < refs_list.size(); ++i) {
      const sdk::Value& ref = refs_list[i];
      if (auto it = parents_[m].find(i); it != parents_[m].end()) {
        parents.push_back(it->second);
        continue;
      }
      if (str(&ref, "group", kGatewayGroup) != kGatewayGroup || str(&ref, "kind", "Gateway") != "HTTPRoute") continue;
      const std::string ns = str(&ref, "namespace", m->ref.ns), name = str(&ref, "name");
      // A root model-serving HTTPRoute serves the models of its namespace on its listeners,
      // unless models attach to those listeners directly.
      std::set<std::string> conflicts;
      for (const auto& a : model_.attachments)
        if (a.route.kind == "HTTPRoute" && a.route.ns == ns && a.route.name == name &&
            model_.model_listeners.contains(a.listener_key))
          conflicts.insert(a.listener_key);
      sdk::Value accepted = condition("Accepted", true, "Accepted", kAccepted);
      if (!inputs_.find(kGatewayGroup, "HTTPRoute", ns, name)) {
        accepted =
            condition("Accepted", false, "NoMatchingParent", "parent HTTPRoute " + ns + "/" + name + " not found");
      } else if (!conflicts.empty()) {
        std::string message = "root model-serving HTTPRoute conflicts with directly attached models on listeners: ";
        bool first = true;
        for (const auto& c : conflicts) message += (first ? "" : ", ") + c, first = false;
        accepted = condition("Accepted", false, "NoMatchingParent", message);
      }
      parents.push_back(parent_status(model_parent_ref(*m, ref), std::move(accepted), refs));
    }
    sdk::Value status;
    status.set("parents", sdk::Value(std::move(parents)));
    output_.statuses.push_back({m->ref, m->api_version, std::move(status)});
  }
}

}  // namespace kgw::agw
