#include "admin/admin_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "host/admin/http_client.h"

namespace kgw::admin {
namespace {

using kgw::test_support::http_get;
using kgw::test_support::http_raw;
using kgw::test_support::RawConnection;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// A server on an ephemeral loopback port with a few handlers.
class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(AdminServerLimits limits) {
    server_ = std::make_unique<AdminServer>("127.0.0.1", 0, limits);
    server_->handle("/hello", [](const Request&) { return Response{200, "text/plain; charset=utf-8", "hello"}; });
    server_->handle("/echo", [](const Request& r) {
      std::string body = r.method + " " + r.path;
      for (const auto& [k, v] : r.query) body += "\n[" + k + "]=[" + v + "]";
      return Response{200, "text/plain; charset=utf-8", body};
    });
    server_->handle("/a b", [](const Request&) { return Response{200, "text/plain", "spaced"}; });
    server_->handle("/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    server_->handle("/teapot", [](const Request&) { return Response{418, "application/json", "{}"}; });
    const sdk::Status status = server_->start();
    ASSERT_TRUE(status.is_ok()) << status.message();
    ASSERT_NE(server_->port(), 0);
  }

  uint16_t port() const { return server_->port(); }

  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, ServesARegisteredPath) {
  auto r = http_get(port(), "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(r.head, HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(r.head, HasSubstr("\r\nConnection: close"));

  auto teapot = http_get(port(), "/teapot");
  EXPECT_EQ(teapot.status, 418);
  EXPECT_THAT(teapot.head, HasSubstr("Content-Type: application/json\r\n"));
}

TEST_F(AdminServerTest, HeadSendsHeadersOnly) {
  auto r = http_get(port(), "/hello", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Length: 5\r\n"));
  EXPECT_EQ(r.body, "");
}

TEST_F(AdminServerTest, UnknownPathIs404) {
  EXPECT_EQ(http_get(port(), "/nope").status, 404);
  EXPECT_EQ(http_get(port(), "/hello/").status, 404);
  EXPECT_EQ(http_get(port(), "/").status, 404);
}

TEST_F(AdminServerTest, OtherMethodsAre405) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    auto r = http_get(port(), "/hello", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_THAT(r.head, HasSubstr("Allow: GET, HEAD\r\n"));
  }
}

TEST_F(AdminServerTest, MalformedRequestsAre400) {
  for (const std::string& request : {
           std::string("garbage\r\n\r\n"),
           std::string("GET /hello\r\n\r\n"),
           std::string("GET /hello HTTP/1.1 extra\r\n\r\n"),
           std::string("GET hello HTTP/1.1\r\n\r\n"),
           std::string("GET /hello HTTP/2.0\r\n\r\n"),
           std::string("GET /hello HTTP/1.1\r\nno colon here\r\n\r\n"),
           std::string("GET /hello HTTP/1.1\r\n: empty name\r\n\r\n"),
           std::string("G(T /hello HTTP/1.1\r\n\r\n"),
           std::string("GET /hello%zz HTTP/1.1\r\n\r\n"),
           std::string("GET /echo?a=%4 HTTP/1.1\r\n\r\n"),
           std::string("\x01\x02\x03\xff\r\n\r\n"),
       }) {
    EXPECT_EQ(http_raw(port(), request).status, 400) << request;
  }
  // A request cut short by the client closing its side.
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /hello HT"));
  ::shutdown(c.fd(), SHUT_WR);
  EXPECT_EQ(kgw::test_support::parse_reply(c.read_all()).status, 400);
}

TEST_F(AdminServerTest, DecodesPathAndQuery) {
  auto r = http_get(port(), "/echo?gateway=default%2Fgw&q=a+b%20c&empty=&flag&x=1&x=2#frag");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /echo\n[empty]=[]\n[flag]=[]\n[gateway]=[default/gw]\n[q]=[a b c]\n[x]=[2]");
  EXPECT_EQ(http_get(port(), "/a%20b").body, "spaced");
  EXPECT_EQ(http_get(port(), "/a+b").status, 404);  // '+' is a space only in the query
}

TEST_F(AdminServerTest, BareLineFeedsAreAccepted) {
  EXPECT_EQ(http_raw(port(), "GET /hello HTTP/1.0\nHost: x\n\n").status, 200);
}

TEST_F(AdminServerTest, ThrowingHandlerIs500AndTheServerGoesOn) {
  auto r = http_get(port(), "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, Not(HasSubstr("boom")));
  EXPECT_EQ(http_get(port(), "/hello").status, 200);
  EXPECT_EQ(http_get(port(), "/throw", "HEAD").status, 500);
  EXPECT_EQ(http_get(port(), "/hello").status, 200);
}

TEST_F(AdminServerTest, OversizedRequestIsRejected) {
  const std::string big = "GET /hello HTTP/1.1\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(http_raw(port(), big).status, 431);
  // Endless headers without the blank line: rejected as soon as the limit is crossed.
  RawConnection c(port());
  c.send("GET /hello HTTP/1.1\r\n");
  bool closed = false;
  std::string raw;
  for (int i = 0; i < 1000 && c.send("X-Header: " + std::string(100, 'b') + "\r\n"); ++i) {
  }
  raw = c.read_all(&closed);
  EXPECT_EQ(kgw::test_support::parse_reply(raw).status, 431);
  EXPECT_TRUE(closed);
  // Just under the limit is fine.
  const std::string fits = "GET /hello HTTP/1.1\r\nX-Big: " + std::string(7 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(http_raw(port(), fits).status, 200);
  EXPECT_EQ(http_get(port(), "/hello").status, 200);
}

TEST_F(AdminServerTest, ASlowClientDoesNotBlockOthers) {
  RawConnection silent(port());
  RawConnection partial(port());
  ASSERT_TRUE(partial.send("GET /hel"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_get(port(), "/hello").status, 200);
  // The partial one can still finish.
  ASSERT_TRUE(partial.send("lo HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(kgw::test_support::parse_reply(partial.read_all()).body, "hello");
}

TEST_F(AdminServerTest, IdleConnectionsAreClosedAtTheirDeadline) {
  start({.max_request_bytes = 8192, .timeout = 200ms, .max_connections = 64});
  RawConnection idle(port());
  const auto begin = std::chrono::steady_clock::now();
  bool closed = false;
  EXPECT_EQ(idle.read_all(&closed), "");  // blocks until the server closes it (or 20 s)
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 10s);
  EXPECT_EQ(http_get(port(), "/hello").status, 200);
}

TEST_F(AdminServerTest, ConnectionsBeyondTheLimitWaitTheirTurn) {
  start({.max_request_bytes = 8192, .timeout = 300ms, .max_connections = 1});
  RawConnection idle(port());  // holds the only slot until its deadline
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(http_get(port(), "/hello").status, 200);
  // Served only once the idle one was closed: the limit held.
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 200ms);
}

TEST_F(AdminServerTest, StopIsIdempotentAndClosesThePort) {
  const uint16_t p = port();
  server_->stop();
  server_->stop();
  EXPECT_THROW(RawConnection c(p), std::runtime_error);
}

TEST_F(AdminServerTest, StartingTwiceFails) { EXPECT_FALSE(server_->start().is_ok()); }

TEST(AdminServer, BindErrorsNameAddressAndPort) {
  AdminServer first("127.0.0.1", 0);
  ASSERT_TRUE(first.start().is_ok());
  AdminServer second("127.0.0.1", first.port());
  const sdk::Status status = second.start();
  ASSERT_FALSE(status.is_ok());
  EXPECT_THAT(status.message(), HasSubstr("127.0.0.1:" + std::to_string(first.port())));
  EXPECT_THAT(status.message(), HasSubstr("in use"));

  AdminServer bad("not an address", 0);
  const sdk::Status bad_status = bad.start();
  ASSERT_FALSE(bad_status.is_ok());
  EXPECT_THAT(bad_status.message(), HasSubstr("not an address:0"));
}

TEST(AdminServer, ServesOnIpv6Loopback) {
  AdminServer server("::1", 0);
  const sdk::Status status = server.start();
  if (!status.is_ok()) GTEST_SKIP() << "no IPv6 loopback: " << status.message();
  EXPECT_NE(server.port(), 0);
}

TEST(QueryParsing, DecodesEscapesAndRejectsBadOnes) {
  EXPECT_EQ(percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(percent_decode("a%2fb+c", false), "a/b+c");
  EXPECT_EQ(percent_decode("%", true), std::nullopt);
  EXPECT_EQ(percent_decode("%4", true), std::nullopt);
  EXPECT_EQ(percent_decode("%g0", true), std::nullopt);
  auto q = parse_query("a=1&&b=%3D&c");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, (std::map<std::string, std::string>{{"a", "1"}, {"b", "="}, {"c", ""}}));
  EXPECT_EQ(parse_query("a=%"), std::nullopt);
}

}  // namespace
}  // namespace kgw::admin
