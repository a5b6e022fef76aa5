// AWS Signature Version 4 (the `AWS4-HMAC-SHA256` algorithm) for the requests the plugin itself
// makes (EC2 DescribeInstances). Hashing and HMAC come from OpenSSL.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "credentials.h"

namespace kgw::aws {

// A request as it will be sent. `query` holds decoded names and values; `headers` the names and
// values as sent (Host included).
struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of header `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
};

// Every intermediate product of a signature, so tests can compare each with the published ones.
struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
};

// Signs `request` at `amz_date` ("20150830T123600Z"): adds X-Amz-Date (unless present) and, for
// temporary credentials, X-Amz-Security-Token, then the Authorization header. Every header
// present is signed.
SigV4Result sign_request(HttpRequest& request, const Credentials& credentials, std::string_view region,
                         std::string_view service, std::string_view amz_date);

// The same signature computed without changing the request (the caller added X-Amz-Date and
// any token), over exactly the headers in `signed_headers` (lower-case, ';'-separated): what a
// server checking a received request does.
SigV4Result compute_signature(const HttpRequest& request, const Credentials& credentials, std::string_view region,
                              std::string_view service, std::string_view amz_date, std::string_view signed_headers);

// "YYYYMMDDTHHMMSSZ" for a time point.
std::string amz_date(std::chrono::system_clock::time_point when);

// Building blocks, exposed for their tests.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw bytes
std::string hex(std::string_view bytes);
std::string signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                        std::string_view service);  // raw bytes
// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when `keep_slash`).
std::string uri_encode(std::string_view s, bool keep_slash = false);

}  // namespace kgw::aws
