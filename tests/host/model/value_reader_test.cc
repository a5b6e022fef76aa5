#include "model/value_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/gateway_api.h"

namespace kgw::model {
namespace {

using ::testing::ElementsAre;

sdk::Value route_body() {
  sdk::Value match = sdk::Value::Map{};
  match.set("path", sdk::Value::Map{{"type", "Sideways"}, {"value", "/x"}});
  sdk::Value rule = sdk::Value::Map{};
  rule.set("matches", sdk::Value::List{sdk::Value::Map{}, match});
  rule.set("backendRefs", sdk::Value::List{sdk::Value::Map{{"name", "svc"}, {"port", 70000}}});
  sdk::Value spec = sdk::Value::Map{};
  spec.set("rules", sdk::Value::List{rule});
  spec.set("hostnames", "not-a-list");
  sdk::Value body = sdk::Value::Map{};
  body.set("spec", spec);
  return body;
}

TEST(ValueReader, ErrorsCarryTheFullFieldPath) {
  sdk::Object object;
  object.ref = {kGatewayGroup, "HTTPRoute", "default", "r"};
  object.body = route_body();
  sdk::Diagnostics diag;
  parse_http_route(object, diag);
  std::vector<std::string> errors;
  for (const auto& e : diag.errors()) errors.push_back(e.to_string());
  EXPECT_THAT(errors,
              ElementsAre("spec.hostnames: Invalid value: expected an array, got string",
                          "spec.rules[0].matches[1].path.type: Unsupported value: \"Sideways\": supported values: "
                          "\"Exact\", \"PathPrefix\", \"RegularExpression\"",
                          "spec.rules[0].backendRefs[0].port: Invalid value: 70000: must be between 1 and 65535"));
}

TEST(ValueReader, AChildOfATemporaryKeepsItsPath) {
  sdk::Value body = sdk::Value::Map{};
  body.set("spec", sdk::Value::Map{{"port", "eighty"}});
  sdk::Diagnostics diag;
  auto port = ValueReader(&body, "", diag)["spec"]["port"];  // the parents are gone here
  EXPECT_EQ(port.path(), "spec.port");
  EXPECT_FALSE(port.integer().has_value());
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].to_string(), "spec.port: Invalid value: expected an integer, got string");
}

}  // namespace
}  // namespace kgw::model
