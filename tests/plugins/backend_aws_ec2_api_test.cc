// The EC2 DescribeInstances request and the parsing of its answers.
#include <gtest/gtest.h>

#include "ec2_api.h"
#include "xml.h"

namespace kgw::aws {
namespace {

// Shaped like a real answer: the instance's addresses also appear inside its network interfaces,
// which must not be taken for the instance's own.
constexpr const char* kPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <ownerId>123456789012</ownerId>
            <groupSet/>
            <instancesSet>
                <item>
                    <instanceId>i-1234567890abcdef0</instanceId>
                    <instanceState><code>16</code><name>running</name></instanceState>
                    <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
                    <privateIpAddress>192.168.1.88</privateIpAddress>
                    <ipAddress>54.194.252.215</ipAddress>
                    <networkInterfaceSet>
                        <item>
                            <privateIpAddress>192.168.1.89</privateIpAddress>
                            <association><publicIp>54.194.252.216</publicIp></association>
                        </item>
                    </networkInterfaceSet>
                    <tagSet>
                        <item><key>app</key><value>web &amp; api</value></item>
                        <item><key>team</key><value/></item>
                    </tagSet>
                </item>
                <item>
                    <instanceId>i-0598c7d356eba48d7</instanceId>
                    <instanceState><code>16</code><name>running</name></instanceState>
                    <privateIpAddress>192.168.1.90</privateIpAddress>
                </item>
            </instancesSet>
        </item>
    </reservationSet>
    <nextToken>page-2</nextToken>
</DescribeInstancesResponse>
)";

TEST(DescribeInstances, ParsesInstancesTheirOwnAddressesTagsAndTheNextToken) {
  auto parsed = parse_describe_instances(kPage);
  ASSERT_TRUE(std::holds_alternative<DescribeInstancesPage>(parsed));
  const auto& page = std::get<DescribeInstancesPage>(parsed);
  EXPECT_EQ(page.next_token, "page-2");
  ASSERT_EQ(page.instances.size(), 2u);
  EXPECT_EQ(page.instances[0].id, "i-1234567890abcdef0");
  EXPECT_EQ(page.instances[0].state, "running");
  EXPECT_EQ(page.instances[0].private_ip, "192.168.1.88");
  EXPECT_EQ(page.instances[0].public_ip, "54.194.252.215");
  EXPECT_EQ(page.instances[0].tags, (std::map<std::string, std::string>{{"app", "web & api"}, {"team", ""}}));
  EXPECT_EQ(page.instances[1].private_ip, "192.168.1.90");
  EXPECT_EQ(page.instances[1].public_ip, "");
}

TEST(DescribeInstances, AnEmptyAnswerHasNoInstances) {
  auto parsed = parse_describe_instances(
      "<DescribeInstancesResponse><requestId>x</requestId><reservationSet/></DescribeInstancesResponse>");
  ASSERT_TRUE(std::holds_alternative<DescribeInstancesPage>(parsed));
  EXPECT_TRUE(std::get<DescribeInstancesPage>(parsed).instances.empty());
  EXPECT_TRUE(std::get<DescribeInstancesPage>(parsed).next_token.empty());
}

TEST(DescribeInstances, ErrorDocumentsAndGarbage) {
  auto parsed = parse_describe_instances(
      "<?xml version=\"1.0\"?><Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to "
      "validate the provided access credentials</Message></Error></Errors><RequestID>r</RequestID></Response>");
  ASSERT_TRUE(std::holds_alternative<Ec2ApiError>(parsed));
  EXPECT_EQ(std::get<Ec2ApiError>(parsed).code, "AuthFailure");
  EXPECT_EQ(std::get<Ec2ApiError>(parsed).message, "AWS was not able to validate the provided access credentials");

  for (const char* bad : {"", "not xml", "<DescribeInstancesResponse>", "<a></b>", "<a>&bogus;</a>",
                          "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "<a/><b/>"}) {
    parsed = parse_describe_instances(bad);
    ASSERT_TRUE(std::holds_alternative<Ec2ApiError>(parsed)) << bad;
    EXPECT_EQ(std::get<Ec2ApiError>(parsed).code, "MalformedResponse") << bad;
  }
}

TEST(DescribeInstances, RequestsRunningInstancesMatchingEveryFilter) {
  Ec2Spec spec;
  spec.filters = {{"team", std::nullopt}, {"app", "web"}};
  auto params = describe_instances_params(spec, "");
  EXPECT_EQ(form_encode(params),
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&"
            "Filter.2.Name=tag-key&Filter.2.Value.1=team&Filter.3.Name=tag%3Aapp&Filter.3.Value.1=web");
  params = describe_instances_params(Ec2Spec{}, "next/page=");
  EXPECT_EQ(params.back(), (std::pair<std::string, std::string>{"NextToken", "next/page="}));
}

TEST(Xml, EntitiesCdataCommentsAndNamespaces) {
  std::string error;
  auto root = xml::parse(
      "<?xml version='1.0'?><!-- c --><p:a x='1>2'><b>&lt;&#65;&#x42;&gt;</b><c><![CDATA[<x>]]>"
      "</c><!-- d --></p:a>",
      error);
  ASSERT_TRUE(root) << error;
  EXPECT_EQ(root->name, "a");
  EXPECT_EQ(root->child_text("b"), "<AB>");
  EXPECT_EQ(root->child_text("c"), "<x>");
  EXPECT_EQ(root->child("d"), nullptr);
}

TEST(Xml, DeepNestingIsRefused) {
  std::string doc;
  for (int i = 0; i < 100; ++i) doc += "<a>";
  for (int i = 0; i < 100; ++i) doc += "</a>";
  std::string error;
  EXPECT_FALSE(xml::parse(doc, error));
  EXPECT_NE(error.find("nested too deep"), std::string::npos);
}

}  // namespace
}  // namespace kgw::aws
