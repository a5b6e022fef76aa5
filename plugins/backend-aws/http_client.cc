#include "http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <optional>

#include "ec2_api.h"

namespace kgw::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kBodyLimit = 16 * 1024 * 1024;

template <class Stream>
asio::awaitable<HttpResponse> exchange(Stream& stream, http::request<http::string_body>& request) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return HttpResponse{parser.get().result_int(), std::move(parser.get().body())};
}

asio::awaitable<HttpResponse> run(const EndpointUrl& endpoint, http::request<http::string_body> request,
                                  std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  const auto addresses =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), asio::use_awaitable);
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(addresses, asio::use_awaitable);
  if (!endpoint.https) co_return co_await exchange(tcp, request);

  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), context);
  if (!SSL_set_tlsext_host_name(tls.native_handle(), endpoint.host.c_str()))
    throw std::runtime_error("cannot set the TLS server name");
  tls.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(tls, request);
}

}  // namespace

std::variant<HttpResponse, std::string> send_http(const EndpointUrl& endpoint, const HttpRequest& request,
                                                  std::chrono::milliseconds timeout) {
  try {
    http::request<http::string_body> req;
    req.method_string(request.method);
    std::string target = request.path.empty() ? "/" : request.path;
    if (!request.query.empty()) target += "?" + form_encode(request.query);
    req.target(target);
    req.version(11);
    for (const auto& [name, value] : request.headers) req.insert(name, value);
    req.body() = request.body;
    req.prepare_payload();

    asio::io_context io;
    std::optional<HttpResponse> response;
    std::string error;
    asio::co_spawn(io, run(endpoint, std::move(req), timeout), [&](std::exception_ptr failure, HttpResponse result) {
      if (!failure) {
        response = std::move(result);
        return;
      }
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    // Name resolution is not bounded by the stream's timeout: this bounds the whole exchange.
    io.run_for(timeout + std::chrono::seconds(1));
    if (response) return *response;
    return error.empty() ? std::string("no answer within the timeout") : error;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

}  // namespace kgw::aws
