#include "agw/backend_tls_policies.h"

#include "agw/inference_pools.h"
#include "agw/status.h"

namespace kgw::agw {
namespace {

namespace api = ::agentgateway::dev::resource;

const std::string* str(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = v ? v->find(std::string(key)) : nullptr;
  return f ? f->as_string() : nullptr;
}
const sdk::Value::List* list(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = v ? v->find(std::string(key)) : nullptr;
  return f ? f->as_list() : nullptr;
}

// A target as the policy's resources name and point at it.
struct Target {
  std::string hostname, ns;
  std::optional<uint32_t> port;
};

// The targets of one targetRef: a Service's ports (those named `sectionName`, when given), or an
// InferencePool as a whole.
std::vector<Target> targets_of(const Inputs& in, const sdk::Object& policy, const sdk::Value& ref) {
  const std::string* kind = str(&ref, "kind");
  const std::string* name = str(&ref, "name");
  const std::string* section = str(&ref, "sectionName");
  if (!kind || !name) return {};
  std::vector<Target> out;
  if (*kind == "Service") {
    const sdk::Object* svc = in.find("", "Service", policy.ref.ns, *name);
    if (!svc) return {};
    if (const auto* ports = list(svc->spec(), "ports"))
      for (const auto& p : *ports) {
        const std::string* port_name = str(&p, "name");
        if (section && (!port_name || *port_name != *section)) continue;
        const sdk::Value* number = p.find("port");
        if (!number || !number->as_int()) continue;
        out.push_back({in.service_hostname(policy.ref.ns, *name), policy.ref.ns, static_cast<uint32_t>(*number->as_int())});
      }
  } else if (*kind == "InferencePool") {
    if (!in.find(kInferenceGroup, "InferencePool", policy.ref.ns, *name)) return {};
    out.push_back({*name + "." + policy.ref.ns + ".inference." + in.cluster_domain(), policy.ref.ns, std::nullopt});
  }
  return out;
}

}  // namespace

void translate_backend_tls_policies(const Inputs& in, Output& out) {
  for (const sdk::Object* policy : in.of_kind("BackendTLSPolicy")) {
    if (policy->ref.group != kGatewayGroup || in.gateways().empty()) continue;
    const sdk::Value* spec = policy->spec();
    const sdk::Value* validation = spec ? spec->find("validation") : nullptr;
    api::BackendPolicySpec::BackendTLS tls;
    if (const std::string* hostname = str(validation, "hostname")) tls.set_hostname(*hostname);
    // CA certificates from ConfigMaps' `ca.crt`, concatenated.
    if (const auto* cas = list(validation, "caCertificateRefs"))
      for (const auto& ca : *cas) {
        const std::string* name = str(&ca, "name");
        const sdk::Object* cm = name ? in.find("", "ConfigMap", policy->ref.ns, *name) : nullptr;
        const sdk::Value* data = cm ? cm->body.find("data") : nullptr;
        if (const std::string* pem = str(data, "ca.crt")) tls.set_root(tls.root() + *pem);
      }
    std::vector<Target> targets;
    if (const auto* refs = list(spec, "targetRefs"))
      for (const auto& ref : *refs)
        for (auto& t : targets_of(in, *policy, ref)) targets.push_back(std::move(t));

    sdk::Value::List ancestors;
    for (const sdk::Object* gateway : in.gateways()) {
      // The Gateway's client certificate for upstream mutual TLS; a missing one is sent as an
      // unusable placeholder, so the proxy fails those connections instead of going without.
      api::BackendPolicySpec::BackendTLS gateway_tls = tls;
      std::string problem;
      const sdk::Value* gateway_tls_spec = gateway->spec() ? gateway->spec()->find("tls") : nullptr;
      const sdk::Value* backend = gateway_tls_spec ? gateway_tls_spec->find("backend") : nullptr;
      if (const sdk::Value* cert_ref = backend ? backend->find("clientCertificateRef") : nullptr) {
        const std::string* name = str(cert_ref, "name");
        const std::string* ns = str(cert_ref, "namespace");
        auto secret = name ? in.secret(ns ? *ns : gateway->ref.ns, *name) : nullptr;
        auto cert = secret ? secret->data.find("tls.crt") : decltype(secret->data.end()){};
        auto key = secret ? secret->data.find("tls.key") : decltype(secret->data.end()){};
        if (secret && cert != secret->data.end() && key != secret->data.end()) {
          gateway_tls.set_cert(cert->second);
          gateway_tls.set_key(key->second);
        } else {
          problem = "Gateway.spec.tls.backend.clientCertificateRef Secret not found";
          gateway_tls.set_cert("invalid");
          gateway_tls.set_key("invalid");
        }
      }
      for (const auto& target : targets) {
        api::Policy p;
        p.set_key(policy->ref.ns + "/" + policy->ref.name + ":backend-tls:" + target.ns + "/" + target.hostname +
                  (target.port ? "/" + std::to_string(*target.port) : ""));
        p.mutable_name()->set_kind("BackendTLSPolicy");
        p.mutable_name()->set_name(policy->ref.name);
        p.mutable_name()->set_namespace_(policy->ref.ns);
        auto& service = *p.mutable_target()->mutable_service();
        service.set_hostname(target.hostname);
        service.set_namespace_(target.ns);
        if (target.port) service.set_port(*target.port);
        *p.mutable_backend()->mutable_backend_tls() = gateway_tls;
        out.resources.push_back({gateway->ref, {}});
        *out.resources.back().resource.mutable_policy() = std::move(p);
      }
      sdk::Value ancestor, ref;
      ref.set("group", kGatewayGroup);
      ref.set("kind", "Gateway");
      ref.set("name", gateway->ref.name);
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
    out.statuses.push_back({policy->ref, policy->api_version, std::move(status)});
  }
}

}  // namespace kgw::agw
