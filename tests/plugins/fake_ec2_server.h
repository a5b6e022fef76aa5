// A local stand-in for the EC2 Query API: answers DescribeInstances on 127.0.0.1 with the
// instances a test sets, after checking the request's SigV4 signature against the secret key it
// knows for the request's access key (recomputed from the request as received on the wire).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ec2_api.h"
#include "sigv4.h"

namespace kgw::aws::testing {

namespace http = boost::beast::http;

class FakeEc2Server {
 public:
  struct Instance {
    std::string id;
    std::string private_ip;
    std::string public_ip;
  };
  struct Received {
    std::string body;
    std::string access_key;
    bool signature_ok = false;
  };

  FakeEc2Server(std::string region, Credentials known) : region_(std::move(region)), known_(std::move(known)) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEc2Server() { stop(); }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

  void set_instances(std::vector<Instance> instances) {
    std::lock_guard lock(mu_);
    instances_ = std::move(instances);
  }
  // Answers every request with 401 AuthFailure, as AWS does for unknown or revoked keys.
  void reject_credentials(bool reject) { reject_ = reject; }
  std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }

  // Closes the listening socket: later connections are refused.
  void stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    // Only the server's thread touches the acceptor: a connection wakes its accept, then it closes.
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(io_);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

 private:
  void serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      http::response<http::string_body> response = answer(request);
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
    acceptor_.close();
  }

  static std::string after(const std::string& s, const std::string& key) {
    const size_t at = s.find(key);
    if (at == std::string::npos) return {};
    const size_t start = at + key.size();
    return s.substr(start, s.find_first_of(", ", start) - start);
  }

  http::response<http::string_body> error(http::status status, const std::string& code) {
    http::response<http::string_body> r{status, 11};
    r.body() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code +
               "</Code><Message>refused by the fake</Message></Error></Errors><RequestID>fake</RequestID></Response>";
    return r;
  }

  http::response<http::string_body> answer(const http::request<http::string_body>& request) {
    const std::string authorization(request[http::field::authorization]);
    Received seen;
    seen.body = request.body();
    const std::string credential = after(authorization, "Credential=");
    seen.access_key = credential.substr(0, credential.find('/'));
    const std::string signed_headers = after(authorization, "SignedHeaders=");
    const std::string signature = after(authorization, "Signature=");

    HttpRequest received;
    received.method = std::string(request.method_string());
    received.path = std::string(request.target());
    received.body = request.body();
    for (const auto& field : request)
      if (field.name() != http::field::authorization)
        received.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    const std::string date = received.header("x-amz-date");
    const std::string scope = "/" + date.substr(0, 8) + "/" + region_ + "/ec2/aws4_request";
    seen.signature_ok =
        authorization.starts_with("AWS4-HMAC-SHA256 ") && seen.access_key == known_.access_key_id &&
        credential == known_.access_key_id + scope &&
        compute_signature(received, known_, region_, "ec2", date, signed_headers).signature == signature &&
        signed_headers.find("host") != std::string::npos;
    {
      std::lock_guard lock(mu_);
      received_.push_back(seen);
    }
    if (reject_ || seen.access_key != known_.access_key_id) return error(http::status::unauthorized, "AuthFailure");
    if (!seen.signature_ok) return error(http::status::forbidden, "SignatureDoesNotMatch");
    if (request.body().find("Action=DescribeInstances") == std::string::npos)
      return error(http::status::bad_request, "InvalidAction");

    std::string items;
    {
      std::lock_guard lock(mu_);
      for (const auto& i : instances_)
        items += "<item><instanceId>" + i.id + "</instanceId><instanceState><code>16</code><name>running</name>" +
                 "</instanceState><privateIpAddress>" + i.private_ip + "</privateIpAddress>" +
                 (i.public_ip.empty() ? "" : "<ipAddress>" + i.public_ip + "</ipAddress>") + "</item>";
    }
    http::response<http::string_body> r{http::status::ok, 11};
    r.body() =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse "
        "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>fake</requestId><reservationSet><item>"
        "<reservationId>r-1</reservationId><instancesSet>" +
        items + "</instancesSet></item></reservationSet></DescribeInstancesResponse>";
    return r;
  }

  const std::string region_;
  const Credentials known_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reject_{false};
  mutable std::mutex mu_;
  std::vector<Instance> instances_;
  std::vector<Received> received_;
  std::thread thread_;
};

}  // namespace kgw::aws::testing
