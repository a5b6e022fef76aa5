#include "admin/admin_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <list>
#include <vector>

#include "logging/logging.h"

namespace kgw::admin {
namespace {

using Clock = std::chrono::steady_clock;

// After the response, what the client still sends is read and dropped for a moment before the
// close: closing with unread input makes the kernel send a reset, which can destroy the response
// before the client has read it (an oversized request is the usual case).
constexpr auto kLinger = std::chrono::milliseconds(1000);
constexpr size_t kMaxDrainBytes = 256 * 1024;

struct Connection {
  enum class State { Reading, Writing, Draining };
  int fd = -1;
  State state = State::Reading;
  std::string in;
  std::string out;
  size_t sent = 0;
  size_t drained = 0;
  Clock::time_point deadline;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string endpoint(const std::string& address, uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

std::string serialize(const Response& r, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// The end of the request head (just past the empty line), or npos. Bare LF line ends are taken.
size_t head_end(const std::string& in) {
  for (size_t i = in.find('\n'); i != std::string::npos; i = in.find('\n', i + 1)) {
    if (i + 1 < in.size() && in[i + 1] == '\n') return i + 2;
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') return i + 3;
  }
  return std::string::npos;
}

std::vector<std::string_view> lines_of(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool valid_header(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon))
    if (!is_token_char(c)) return false;
  for (unsigned char c : line.substr(colon + 1))
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view text) {
  std::map<std::string, std::string> query;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    std::string_view part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    query[*key] = *value;
  }
  return query;
}

AdminServer::AdminServer(std::string address, uint16_t port, AdminServerLimits limits)
    : address_(std::move(address)), port_(port), limits_(limits), bound_port_(port) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::handle(std::string path, Handler handler) {
  std::lock_guard lock(handlers_mu_);
  handlers_[std::move(path)] = std::move(handler);
}

sdk::Status AdminServer::start() {
  const std::string where = endpoint(address_, port_);
  if (thread_.joinable()) return sdk::Status::error("admin server on " + where + " is already started");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port_);
  if (int rc = ::getaddrinfo(address_.empty() ? nullptr : address_.c_str(), service.c_str(), &hints, &found); rc != 0)
    return sdk::Status::error("admin server: cannot listen on " + where + ": " + ::gai_strerror(rc));

  std::string error = "no usable address";
  for (addrinfo* ai = found; ai && listen_fd_ < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    listen_fd_ = fd;
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) return sdk::Status::error("admin server: cannot listen on " + where + ": " + error);

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) == 0)
    bound_port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  if (::pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    close_fd(listen_fd_);
    return sdk::Status::error("admin server on " + where + ": cannot create a pipe: " + error);
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    close_fd(listen_fd_);
    close_fd(wake_fds_[0]);
    close_fd(wake_fds_[1]);
    return sdk::Status::error("admin server on " + where + ": cannot start its thread: " + e.what());
  }
  return sdk::Status::ok();
}

void AdminServer::stop() {
  if (!thread_.joinable()) return;
  const char byte = 0;
  while (::write(wake_fds_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  close_fd(listen_fd_);
  close_fd(wake_fds_[0]);
  close_fd(wake_fds_[1]);
}

std::string AdminServer::respond(std::string_view head) {
  const std::vector<std::string_view> lines = lines_of(head);
  if (lines.empty()) return serialize(text(400, "bad request: empty request\n"), false);

  // request-line = method SP request-target SP HTTP-version
  const std::string_view line = lines[0];
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return serialize(text(400, "bad request: malformed request line\n"), false);
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const bool method_ok =
      !method.empty() && std::all_of(method.begin(), method.end(), [](char c) { return is_token_char(c); });
  if (!method_ok || (version != "HTTP/1.1" && version != "HTTP/1.0") || target.empty() || target[0] != '/')
    return serialize(text(400, "bad request: malformed request line\n"), false);
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7f) return serialize(text(400, "bad request: malformed request target\n"), false);
  for (size_t i = 1; i < lines.size(); ++i)
    if (!valid_header(lines[i])) return serialize(text(400, "bad request: malformed header\n"), false);

  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) return serialize(text(405, "method not allowed\n"), head_only);

  Request request;
  request.method = std::string(method);
  std::string_view raw_path = target.substr(0, target.find_first_of("?#"));
  std::string_view raw_query;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    raw_query = target.substr(q + 1);
    raw_query = raw_query.substr(0, raw_query.find('#'));
  }
  auto path = percent_decode(raw_path, false);
  auto query = parse_query(raw_query);
  if (!path || !query) return serialize(text(400, "bad request: bad percent-encoding\n"), head_only);
  request.path = std::move(*path);
  request.query = std::move(*query);

  Handler handler;
  {
    std::lock_guard lock(handlers_mu_);
    if (auto it = handlers_.find(request.path); it != handlers_.end()) handler = it->second;
  }
  if (!handler) return serialize(text(404, "not found\n"), head_only);
  try {
    return serialize(handler(request), head_only);
  } catch (const std::exception& e) {
    logging::get("admin")->error("handler for {} failed: {}", request.path, e.what());
  } catch (...) {
    logging::get("admin")->error("handler for {} failed", request.path);
  }
  return serialize(text(500, "internal server error\n"), head_only);
}

void AdminServer::run() {
  std::list<Connection> connections;
  Clock::time_point accept_paused_until;
  std::vector<pollfd> fds;
  std::vector<Connection*> polled;  // fds[i + 2] belongs to polled[i]
  char buf[16 * 1024];

  auto close_connection = [&](std::list<Connection>::iterator it) {
    close_fd(it->fd);
    return connections.erase(it);
  };

  for (;;) {
    const auto now = Clock::now();
    for (auto it = connections.begin(); it != connections.end();)
      it = it->deadline <= now ? close_connection(it) : std::next(it);

    fds.clear();
    polled.clear();
    fds.push_back({wake_fds_[0], POLLIN, 0});
    // Past the limit the listening socket is left alone: new clients wait in the backlog.
    const bool accepting = connections.size() < limits_.max_connections && now >= accept_paused_until;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    auto next_deadline = now < accept_paused_until ? accept_paused_until : Clock::time_point::max();
    for (auto& c : connections) {
      fds.push_back({c.fd, static_cast<short>(c.state == Connection::State::Writing ? POLLOUT : POLLIN), 0});
      polled.push_back(&c);
      next_deadline = std::min(next_deadline, c.deadline);
    }
    int timeout_ms = -1;
    if (next_deadline != Clock::time_point::max()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_deadline - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
      if (errno == EINTR) continue;
      logging::get("admin")->error("poll failed: {}", std::strerror(errno));
      break;
    }
    if (fds[0].revents) break;  // stop()

    for (size_t i = 0; i < polled.size(); ++i) {
      Connection& c = *polled[i];
      const short ev = fds[i + 2].revents;
      if (!ev) continue;
      if (c.state == Connection::State::Reading) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0 || (n == 0 && c.in.empty())) {  // gone before sending anything
          close_fd(c.fd);
          continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        const size_t end = head_end(c.in);
        if (n == 0) {  // the client closed its side in the middle of a request
          c.out = serialize(text(400, "bad request: incomplete request\n"), false);
        } else if (end != std::string::npos && end <= limits_.max_request_bytes) {
          c.out = respond(std::string_view(c.in).substr(0, end));
        } else if (c.in.size() > limits_.max_request_bytes) {
          c.out = serialize(text(431, "request header too large\n"), false);
        } else {
          continue;
        }
        c.in.clear();
        c.in.shrink_to_fit();
        c.state = Connection::State::Writing;
      } else if (c.state == Connection::State::Writing) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) {
          close_fd(c.fd);
          continue;
        }
        c.sent += static_cast<size_t>(n);
        if (c.sent == c.out.size()) {
          ::shutdown(c.fd, SHUT_WR);
          c.state = Connection::State::Draining;
          c.deadline = std::min(c.deadline, Clock::now() + kLinger);
          c.out.clear();
          c.out.shrink_to_fit();
        }
      } else {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        c.drained += n > 0 ? static_cast<size_t>(n) : 0;
        if (n <= 0 || c.drained > kMaxDrainBytes) close_fd(c.fd);
      }
    }
    for (auto it = connections.begin(); it != connections.end();)
      it = it->fd < 0 ? connections.erase(it) : std::next(it);

    if (fds[1].revents & POLLIN) {
      while (connections.size() < limits_.max_connections) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          // Out of descriptors: the pending connection keeps the socket readable, so wait a
          // little instead of spinning. Anything else (EAGAIN, a client gone) needs nothing.
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
          break;
        }
        Connection c;
        c.fd = fd;
        c.deadline = Clock::now() + limits_.timeout;
        connections.push_back(std::move(c));
      }
    }
  }
  for (auto& c : connections) close_fd(c.fd);
}

}  // namespace kgw::admin
