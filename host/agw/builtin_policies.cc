#include "agw/builtin_policies.h"

#include <optional>

#include "agw/status.h"

namespace kgw::agw {
namespace {

namespace api = ::agentgateway::dev::resource;

constexpr const char* kInferenceGroup = "inference.networking.k8s.io";

const sdk::Value* field(const sdk::Value* v, const char* key) { return v ? v->find(key) : nullptr; }
const std::string* string_field(const sdk::Value* v, const char* key) {
  const sdk::Value* f = field(v, key);
  return f ? f->as_string() : nullptr;
}
std::optional<int64_t> int_field(const sdk::Value* v, const char* key) {
  const sdk::Value* f = field(v, key);
  return f ? f->as_int() : std::nullopt;
}
const sdk::Value::List& list_field(const sdk::Value* v, const char* key) {
  static const sdk::Value::List none;
  const sdk::Value* f = field(v, key);
  const sdk::Value::List* l = f ? f->as_list() : nullptr;
  return l ? *l : none;
}

std::string inference_hostname(const Inputs& in, const std::string& ns, const std::string& name) {
  return name + "." + ns + ".inference." + in.cluster_domain();
}

void to_every_gateway(const Inputs& in, const api::Policy& policy, Output& output) {
  for (const sdk::Object* gw : in.gateways()) {
    GatewayResource r{gw->ref, {}};
    *r.resource.mutable_policy() = policy;
    output.resources.push_back(std::move(r));
  }
}

void set_name(const sdk::ObjectRef& ref, api::Policy& p) {
  p.mutable_name()->set_kind(ref.kind);
  p.mutable_name()->set_name(ref.name);
  p.mutable_name()->set_namespace_(ref.ns);
}

}  // namespace

void translate_inference_pool_policies(const Inputs& in, Output& output) {
  for (const sdk::Object* pool : in.of_kind("InferencePool")) {
    if (pool->ref.group != kInferenceGroup) continue;
    const sdk::Value* picker = field(pool->spec(), "endpointPickerRef");
    const std::string* group = string_field(picker, "group");
    const std::string* kind = string_field(picker, "kind");
    const std::string* name = string_field(picker, "name");
    const auto port = int_field(field(picker, "port"), "number");
    // Only a Service with a port can be the picker; otherwise the proxy gets none.
    const bool valid = name && port && (!group || group->empty()) && (!kind || *kind == "Service");

    api::Policy inference;
    inference.set_key(pool->ref.ns + "/" + pool->ref.name + ":inference");
    set_name(pool->ref, inference);
    inference.mutable_target()->mutable_service()->set_namespace_(pool->ref.ns);
    inference.mutable_target()->mutable_service()->set_hostname(inference_hostname(in, pool->ref.ns, pool->ref.name));
    auto* routing = inference.mutable_backend()->mutable_inference_routing();
    auto* endpoint_picker = routing->mutable_endpoint_picker();
    const std::string picker_host = valid ? in.service_hostname(pool->ref.ns, *name) : "";
    if (valid) {
      endpoint_picker->mutable_service()->set_namespace_(pool->ref.ns);
      endpoint_picker->mutable_service()->set_hostname(picker_host);
      endpoint_picker->set_port(static_cast<uint32_t>(*port));
    }
    const std::string* mode = string_field(picker, "failureMode");
    routing->set_failure_mode(mode && *mode == "FailOpen" ? api::BackendPolicySpec::InferenceRouting::FAIL_OPEN
                                                          : api::BackendPolicySpec::InferenceRouting::FAIL_CLOSED);
    to_every_gateway(in, inference, output);

    if (!valid) continue;
    // The picker serves TLS with a certificate the proxy cannot verify.
    api::Policy tls;
    tls.set_key(pool->ref.ns + "/" + pool->ref.name + ":inferencetls");
    set_name(pool->ref, tls);
    auto* target = tls.mutable_target()->mutable_service();
    target->set_namespace_(pool->ref.ns);
    target->set_hostname(picker_host);
    target->set_port(static_cast<uint32_t>(*port));
    tls.mutable_backend()->mutable_backend_tls()->set_verification(api::BackendPolicySpec::BackendTLS::INSECURE_ALL);
    to_every_gateway(in, tls, output);
  }
}

void translate_backend_tls_policies(const Inputs& in, Output& output) {
  for (const sdk::Object* policy : in.of_kind("BackendTLSPolicy")) {
    if (policy->ref.group != kGatewayGroup) continue;
    const std::string& ns = policy->ref.ns;
    const sdk::Value* validation = field(policy->spec(), "validation");
    api::BackendPolicySpec::BackendTLS tls;
    if (const std::string* hostname = string_field(validation, "hostname")) tls.set_hostname(*hostname);
    for (const sdk::Value& san : list_field(validation, "subjectAltNames")) {
      const std::string* value = string_field(&san, "hostname");
      if (!value) value = string_field(&san, "uri");
      if (value) tls.add_verify_subject_alt_names(*value);
    }
    std::string roots;
    for (const sdk::Value& ref : list_field(validation, "caCertificateRefs")) {
      const std::string* name = string_field(&ref, "name");
      const std::string* kind = string_field(&ref, "kind");
      if (!name) continue;
      if (kind && *kind == "Secret") {
        if (auto secret = in.secret(ns, *name))
          if (auto it = secret->data.find("ca.crt"); it != secret->data.end()) roots += it->second;
      } else if (const sdk::Object* cm = in.find("", "ConfigMap", ns, *name)) {
        if (const std::string* ca = string_field(field(&cm->body, "data"), "ca.crt")) roots += *ca;
      }
    }
    if (!roots.empty()) tls.set_root(roots);

    // Targets: Services (a sectionName names a port) and InferencePools.
    std::vector<api::PolicyTarget> targets;
    std::vector<std::string> target_keys;
    for (const sdk::Value& ref : list_field(policy->spec(), "targetRefs")) {
      const std::string* kind = string_field(&ref, "kind");
      const std::string* name = string_field(&ref, "name");
      const std::string* section = string_field(&ref, "sectionName");
      if (!kind || !name) continue;
      api::PolicyTarget target;
      auto* service = target.mutable_service();
      service->set_namespace_(ns);
      if (*kind == "Service") {
        const sdk::Object* svc = in.find("", "Service", ns, *name);
        if (!svc) continue;
        service->set_hostname(in.service_hostname(ns, *name));
        if (section) {
          for (const sdk::Value& p : list_field(svc->spec(), "ports")) {
            const std::string* port_name = string_field(&p, "name");
            const auto number = int_field(&p, "port");
            if (number && ((port_name && *port_name == *section) || std::to_string(*number) == *section))
              service->set_port(static_cast<uint32_t>(*number));
          }
          if (!service->has_port()) continue;
        }
      } else if (*kind == "InferencePool") {
        if (!in.find(kInferenceGroup, "InferencePool", ns, *name)) continue;
        service->set_hostname(inference_hostname(in, ns, *name));
      } else {
        continue;
      }
      target_keys.push_back(ns + "/" + service->hostname() +
                            (service->has_port() ? "/" + std::to_string(service->port()) : ""));
      targets.push_back(std::move(target));
    }
    if (targets.empty()) continue;

    sdk::Value::List ancestors;
    for (const sdk::Object* gw : in.gateways()) {
      // Each Gateway's proxy presents that Gateway's backend client certificate.
      api::BackendPolicySpec::BackendTLS gateway_tls = tls;
      std::string problem;
      if (const sdk::Value* client = field(field(field(gw->spec(), "tls"), "backend"), "clientCertificateRef")) {
        const std::string* name = string_field(client, "name");
        const std::string* client_ns = string_field(client, "namespace");
        auto secret = name ? in.secret(client_ns ? *client_ns : gw->ref.ns, *name) : nullptr;
        const bool complete = secret && secret->data.count("tls.crt") && secret->data.count("tls.key");
        if (complete) {
          gateway_tls.set_cert(secret->data.at("tls.crt"));
          gateway_tls.set_key(secret->data.at("tls.key"));
        } else {
          // A certificate the proxy rejects, so it does not fall back to connecting without one.
          gateway_tls.set_cert("invalid");
          gateway_tls.set_key("invalid");
          problem = "Gateway.spec.tls.backend.clientCertificateRef Secret not found";
        }
      }
      for (size_t i = 0; i < targets.size(); ++i) {
        GatewayResource r{gw->ref, {}};
        auto& p = *r.resource.mutable_policy();
        p.set_key(ns + "/" + policy->ref.name + ":backend-tls:" + target_keys[i]);
        set_name(policy->ref, p);
        *p.mutable_target() = targets[i];
        *p.mutable_backend()->mutable_backend_tls() = gateway_tls;
        output.resources.push_back(std::move(r));
      }
      sdk::Value ref;
      ref.set("group", kGatewayGroup);
      ref.set("kind", "Gateway");
      ref.set("name", gw->ref.name);
      if (gw->ref.ns != ns) ref.set("namespace", gw->ref.ns);
      sdk::Value ancestor;
      ancestor.set("ancestorRef", std::move(ref));
      ancestor.set("conditions", sdk::Value(sdk::Value::List{
                                     problem.empty() ? condition("Accepted", true, "Accepted", "Configuration is valid")
                                                     : condition("Accepted", false, "Invalid", problem),
                                     condition("ResolvedRefs", true, "ResolvedRefs", "Configuration is valid")}));
      ancestor.set("controllerName", kControllerName);
      ancestors.push_back(std::move(ancestor));
    }
    sdk::Value status;
    status.set("ancestors", sdk::Value(std::move(ancestors)));
    output.statuses.push_back({policy->ref, policy->api_version, std::move(status)});
  }
}

}  // namespace kgw::agw
