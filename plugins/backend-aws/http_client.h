// One HTTP/1.1 exchange over plain TCP or TLS (peer and host name verified against the system's
// CAs), bounded by a timeout: what the plugin needs to call an AWS API.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "aws_spec.h"
#include "sigv4.h"

namespace kgw::aws {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

// Sends `request` to `endpoint`; the response, or why none came (cannot resolve, connect, TLS,
// timeout) as text.
std::variant<HttpResponse, std::string> send_http(const EndpointUrl& endpoint, const HttpRequest& request,
                                                  std::chrono::milliseconds timeout);

}  // namespace kgw::aws
