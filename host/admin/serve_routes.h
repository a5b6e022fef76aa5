// The admin endpoints of `kgw serve`:
//
//   /healthz                      200 "ok" while the process serves at all
//   /readyz                       200 "ready" once the first full translation is published,
//                                 else 503 "not ready"
//   /metrics                      the registry in the Prometheus text format
//   /debug/snapshot?gateway=NS/NAME
//                                 the Gateway's current Envoy resources as JSON (proto3 JSON
//                                 mapping), with private keys and passwords redacted; 400 without
//                                 or with a malformed `gateway`, 404 when it is not translated
//   /debug/status                 every object's status and every manifest file's errors, as the
//                                 status directory would hold them, in one JSON document
#pragma once

#include <google/protobuf/message.h>

#include "admin/admin_server.h"
#include "metrics/metrics.h"
#include "serve/control_loop.h"

namespace kgw::admin {

// `loop` and `metrics` must outlive the server's use of the routes (until stop()).
void add_serve_routes(AdminServer& server, const serve::ControlLoop& loop, metrics::Registry& metrics);

// Replaces the inline value of every `private_key` and `password` field, at any depth and inside
// `Any` payloads, with "[redacted]". Returns whether anything was replaced.
bool redact_secrets(google::protobuf::Message& message);

}  // namespace kgw::admin
