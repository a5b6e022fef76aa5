// A small HTTP/1.1 server for the admin endpoints (health, readiness, metrics, debug dumps).
//
// One thread runs a poll() loop over non-blocking sockets: a slow or stuck client holds only its
// own connection, which is closed when its deadline passes, and never delays the others. Each
// connection carries one request (GET or HEAD) and is closed after the response. Handlers run on
// the server's thread, one at a time, so they should be quick; one that throws answers 500 and
// the server goes on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "kgw/sdk/status.h"

namespace kgw::admin {

struct Request {
  std::string method;                        // "GET" or "HEAD"
  std::string path;                          // percent-decoded, without the query string
  std::map<std::string, std::string> query;  // decoded (%xx, '+'); a repeated key keeps its last value
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

struct AdminServerLimits {
  size_t max_request_bytes = 8 * 1024;      // request line and headers; more answers 431
  std::chrono::milliseconds timeout{5000};  // per connection, from accept to the last byte sent
  size_t max_connections = 64;              // beyond it, new connections wait in the listen backlog
};

class AdminServer {
 public:
  // `address` is a numeric IPv4 or IPv6 address or a host name; port 0 binds an ephemeral port.
  AdminServer(std::string address, uint16_t port, AdminServerLimits limits = {});
  ~AdminServer();  // stops
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Serves `path` (exact match, decoded). Thread-safe; a later handler for the same path wins.
  void handle(std::string path, Handler handler);

  // Binds, listens and starts the thread. Errors name the address and port.
  sdk::Status start();
  // Closes every connection and joins the thread. Idempotent.
  void stop();

  // The bound port once started (the ephemeral one for port 0), else the configured port.
  uint16_t port() const { return bound_port_; }

 private:
  void run();
  // The response bytes for one complete request head.
  std::string respond(std::string_view head);

  std::string address_;
  uint16_t port_;
  AdminServerLimits limits_;
  uint16_t bound_port_;

  std::mutex handlers_mu_;
  std::map<std::string, Handler> handlers_;

  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // a pipe: stop() writes, the loop wakes up
  std::thread thread_;
};

// Decodes %xx escapes, and '+' as a space when `plus_is_space`; nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y" -> {a: 1, b: "x y"}; nullopt on a bad escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view text);

}  // namespace kgw::admin
