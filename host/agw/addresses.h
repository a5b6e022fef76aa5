// Services and their endpoints as `istio.workload.Address`es, which every agentgateway proxy gets:
// a Service (Kubernetes Service, InferencePool, ServiceEntry host) per hostname, and a Workload per
// endpoint (EndpointSlice endpoints, ServiceEntry endpoints). The proxy resolves Service backends
// through them.
#pragma once

#include <string>

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

void translate_addresses(const Inputs& inputs, Output& output);

// The proxy's application protocol for a Service port: its `appProtocol` when that is one the
// proxy knows, else the protocol its name starts with (`grpc`, `http2-web`, ...); UNKNOWN when
// neither says.
::istio::workload::AppProtocol app_protocol(const std::string& app_protocol_field, const std::string& port_name);

}  // namespace kgw::agw
