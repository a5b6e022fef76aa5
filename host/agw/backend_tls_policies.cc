#include "agw/backend_tls_policies.h"

#include <optional>

#include "agw/status.h"
#include "agw/value_access.h"

namespace kgw::agw {
namespace {

namespace api = ::agentgateway::dev::resource;

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

void translate_backend_tls_policies(const Inputs& in, Output& output) {
  for (const sdk::Object* policy : in.of_kind("BackendTLSPolicy")) {
    if (policy->ref.group != kGatewayGroup) continue;
    const std::string& ns = policy->ref.ns;
    const sdk::Value* validation = field(policy->spec(), "validation");
    api::BackendPolicySpec::BackendTLS tls;
    if (const std::string* hostname = string_at(validation, "hostname")) tls.set_hostname(*hostname);
    for (const sdk::Value& san : items(validation, "subjectAltNames")) {
      const std::string* value = string_at(&san, "hostname");
      if (!value) value = string_at(&san, "uri");
      if (value) tls.add_verify_subject_alt_names(*value);
    }
    std::string roots;
    for (const sdk::Value& ref : items(validation, "caCertificateRefs")) {
      const std::string* name = string_at(&ref, "name");
      const std::string* kind = string_at(&ref, "kind");
      if (!name) continue;
      if (kind && *kind == "Secret") {
        if (auto secret = in.secret(ns, *name))
          if (auto it = secret->data.find("ca.crt"); it != secret->data.end()) roots += it->second;
      } else if (const sdk::Object* cm = in.find("", "ConfigMap", ns, *name)) {
        if (const std::string* ca = string_at(field(&cm->body, "data"), "ca.crt")) roots += *ca;
      }
    }
    if (!roots.empty()) tls.set_root(roots);

    // Targets: Services (a sectionName names a port) and InferencePools.
    std::vector<api::PolicyTarget> targets;
    std::vector<std::string> target_keys;
    for (const sdk::Value& ref : items(policy->spec(), "targetRefs")) {
      const std::string* kind = string_at(&ref, "kind");
      const std::string* name = string_at(&ref, "name");
      const std::string* section = string_at(&ref, "sectionName");
      if (!kind || !name) continue;
      api::PolicyTarget target;
      auto* service = target.mutable_service();
      service->set_namespace_(ns);
      if (*kind == "Service") {
        const sdk::Object* svc = in.find("", "Service", ns, *name);
        if (!svc) continue;
        service->set_hostname(in.service_hostname(ns, *name));
        if (section) {
          for (const sdk::Value& p : items(svc->spec(), "ports")) {
            const std::string* port_name = string_at(&p, "name");
            const auto number = integer(&p, "port");
            if (number && ((port_name && *port_name == *section) || std::to_string(*number) == *section))
              service->set_port(static_cast<uint32_t>(*number));
          }
          if (!service->has_port()) continue;
        }
      } else if (*kind == "InferencePool") {
        if (!in.find(kInferenceGroup, "InferencePool", ns, *name)) continue;
        service->set_hostname(in.inference_hostname(ns, *name));
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
        const std::string* name = string_at(client, "name");
        const std::string* client_ns = string_at(client, "namespace");
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
