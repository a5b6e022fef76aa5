#include "aws_backend.h"

#include "aws_spec.h"
#include "credentials.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb.h"
#include "envoy/extensions/filters/http/aws_lambda/v3/aws_lambda.pb.h"
#include "envoy/extensions/filters/http/aws_request_signing/v3/aws_request_signing.pb.h"
#include "envoy/extensions/filters/http/upstream_codec/v3/upstream_codec.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"

namespace kgw::aws {
namespace {

using envoy::config::cluster::v3::Cluster;

class AwsIr final : public sdk::PluginIr {
 public:
  AwsBackendSpec spec;
  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const AwsIr*>(&other);
    return o && o->spec == spec;
  }
};

// The credentials of a Secret-authenticated Backend, read at every translation so a rotated
// Secret is seen (and the host re-translates on its change because this lookup recorded it).
// Problems go into `diag` under the secretRef's path.
std::optional<Credentials> secret_credentials(const sdk::HostApi& host, const sdk::Object& backend,
                                              const AuthSpec& auth, sdk::Diagnostics& diag) {
  const std::string path = "spec.aws.auth.secretRef";
  auto secret = host.find_secret(backend.ref, backend.ref.ns, auth.secret_name);
  if (!secret) {
    diag.error(path, "Secret " + backend.ref.ns + "/" + auth.secret_name + " not found");
    return std::nullopt;
  }
  std::vector<std::string> errors;
  auto credentials = credentials_from_secret(*secret, errors);
  for (auto& e : errors) diag.error(path, std::move(e));
  return credentials;
}

template <typename Message>
void add_filter(envoy::extensions::upstreams::http::v3::HttpProtocolOptions& options, const char* name,
                const Message& config) {
  auto* filter = options.add_http_filters();
  filter->set_name(name);
  filter->mutable_typed_config()->PackFrom(config);
}

void build_lambda_cluster(const AwsBackendSpec& spec, const LambdaSpec& lambda,
                          const std::optional<Credentials>& credentials, Cluster& cluster) {
  const EndpointUrl endpoint =
      lambda.endpoint.value_or(EndpointUrl{true, "lambda." + spec.region + ".amazonaws.com", 443, "/"});

  envoy::extensions::clusters::dns::v3::DnsCluster dns;
  dns.set_all_addresses_in_single_endpoint(true);
  dns.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_PREFERRED);
  cluster.mutable_cluster_type()->set_name("envoy.clusters.dns");
  cluster.mutable_cluster_type()->mutable_typed_config()->PackFrom(dns);
  auto* assignment = cluster.mutable_load_assignment();
  assignment->set_cluster_name(cluster.name());
  auto* address =
      assignment->add_endpoints()->add_lb_endpoints()->mutable_endpoint()->mutable_address()->mutable_socket_address();
  address->set_address(endpoint.host);
  address->set_port_value(endpoint.port);
  if (endpoint.https) {
    envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext tls;
    tls.set_sni(endpoint.host);
    cluster.mutable_transport_socket()->set_name("envoy.transport_sockets.tls");
    cluster.mutable_transport_socket()->mutable_typed_config()->PackFrom(tls);
  }

  envoy::extensions::upstreams::http::v3::HttpProtocolOptions options;
  options.mutable_common_http_protocol_options()->mutable_idle_timeout()->set_seconds(30);
  options.mutable_explicit_http_config()->mutable_http2_protocol_options();

  envoy::extensions::filters::http::aws_lambda::v3::Config invoke;
  invoke.set_arn(lambda_arn(spec.region, lambda));
  invoke.set_payload_passthrough(lambda.payload_passthrough);
  if (lambda.async) invoke.set_invocation_mode(envoy::extensions::filters::http::aws_lambda::v3::Config::ASYNCHRONOUS);
  add_filter(options, "envoy.filters.http.aws_lambda", invoke);

  envoy::extensions::filters::http::aws_request_signing::v3::AwsRequestSigning signing;
  signing.set_service_name("lambda");
  signing.set_region(spec.region);
  if (spec.auth.type == AuthSpec::Type::Secret && credentials) {
    auto* inline_credential = signing.mutable_credential_provider()->mutable_inline_credential();
    inline_credential->set_access_key_id(credentials->access_key_id);
    inline_credential->set_secret_access_key(credentials->secret_access_key);
    if (!credentials->session_token.empty()) inline_credential->set_session_token(credentials->session_token);
  } else if (spec.auth.type == AuthSpec::Type::AssumeRole) {
    signing.mutable_credential_provider()->mutable_assume_role_credential_provider()->set_role_arn(spec.auth.role_arn);
  }
  // Type::Default: no provider, so the proxy uses its default credential chain.
  add_filter(options, "envoy.filters.http.aws_request_signing", signing);
  add_filter(options, "envoy.filters.http.upstream_codec",
             envoy::extensions::filters::http::upstream_codec::v3::UpstreamCodec());

  (*cluster.mutable_typed_extension_protocol_options())["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
      .PackFrom(options);
}

void build_ec2_cluster(const Ec2Spec& spec, const Ec2Endpoints& endpoints, Cluster& cluster) {
  cluster.set_type(Cluster::STATIC);
  auto* assignment = cluster.mutable_load_assignment();
  assignment->set_cluster_name(cluster.name());
  if (endpoints.addresses.empty()) return;
  auto* locality = assignment->add_endpoints();
  for (const auto& ip : endpoints.addresses) {
    auto* address = locality->add_lb_endpoints()->mutable_endpoint()->mutable_address()->mutable_socket_address();
    address->set_address(ip);
    address->set_port_value(spec.port);
  }
}

class AwsBackendType final : public sdk::BackendType {
 public:
  AwsBackendType(const sdk::HostApi& host, Ec2DiscoveryOptions options)
      : discovery_(std::move(options), [&host](const sdk::ObjectRef& backend) { host.refresh(backend); }) {}

  std::string_view type() const noexcept override { return "AWS"; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& backend, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<AwsIr>();
      ir->spec = parse_aws_backend(backend.spec(), diag);
      if (ir->spec.ec2 && ir->spec.auth.type == AuthSpec::Type::AssumeRole)
        diag.error("spec.aws.auth.assumeRole",
                   "Unsupported value: EC2 discovery signs its calls with a Secret's credentials or the control "
                   "plane's environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), not an assumed role");
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec.aws", e.what());
      return nullptr;
    }
  }

  void build_cluster(const sdk::TranslationContext& ctx, const sdk::Object& backend, const sdk::PluginIr& ir,
                     sdk::ClusterOutput& out, sdk::Diagnostics& diag) const noexcept override {
    try {
      const AwsBackendSpec& spec = static_cast<const AwsIr&>(ir).spec;
      std::optional<Credentials> credentials;
      if (spec.auth.type == AuthSpec::Type::Secret) {
        credentials = secret_credentials(ctx.host(), backend, spec.auth, diag);
        if (!credentials) return;
      }
      if (spec.lambda) {
        build_lambda_cluster(spec, *spec.lambda, credentials, out.cluster);
        return;
      }
      if (!spec.ec2) return;
      Ec2Target target{spec.region, *spec.ec2, credentials, ""};
      if (spec.auth.type == AuthSpec::Type::Default) {
        target.credentials = credentials_from_environment();
        if (!target.credentials)
          target.credentials_error =
              "no credentials: spec.aws.auth is not set and the control plane has no AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY";
      }
      const Ec2Endpoints endpoints = discovery_.watch(backend.ref, target);
      build_ec2_cluster(*spec.ec2, endpoints, out.cluster);
      sdk::Condition condition = endpoints.condition;
      condition.observed_generation = backend.generation;
      ctx.host().report_condition(backend.ref, nullptr, condition);
    } catch (const std::exception& e) {
      diag.error("spec.aws", e.what());
    }
  }

 private:
  // Polling state is not part of a translation's input: build_cluster() only reads it.
  mutable Ec2Discovery discovery_;
};

}  // namespace

std::unique_ptr<sdk::BackendType> make_aws_backend_type(const sdk::HostApi& host, Ec2DiscoveryOptions ec2) {
  return std::make_unique<AwsBackendType>(host, std::move(ec2));
}

}  // namespace kgw::aws
