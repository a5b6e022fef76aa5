// Reading `spec.aws`, building Lambda ARNs and reading credentials from Secrets.
#include <gtest/gtest.h>

#include "aws_spec.h"
#include "credentials.h"
#include "sources/manifest_parser.h"

namespace kgw::aws {
namespace {

// The spec of a Backend written in YAML (the `spec:` mapping's body).
sdk::Value spec_of(const std::string& yaml) {
  auto parsed = sources::parse_manifests(
      "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: Backend\nmetadata: {name: b, namespace: ns}\nspec:\n" + yaml,
      "backend.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.objects.size(), 1u);
  return *parsed.objects.at(0).object.spec();
}

// Every error as "path: message".
std::vector<std::string> errors_of(const std::string& yaml, AwsBackendSpec* out = nullptr) {
  sdk::Value spec = spec_of(yaml);
  sdk::Diagnostics diag;
  AwsBackendSpec parsed = parse_aws_backend(&spec, diag);
  if (out) *out = parsed;
  std::vector<std::string> lines;
  for (const auto& e : diag.errors()) lines.push_back(e.to_string());
  return lines;
}

TEST(LambdaArn, IsBuiltFromRegionAccountFunctionAndQualifier) {
  LambdaSpec lambda;
  lambda.account_id = "123456789012";
  lambda.function_name = "hello-function";
  EXPECT_EQ(lambda_arn("us-east-1", lambda), "arn:aws:lambda:us-east-1:123456789012:function:hello-function:$LATEST");
  lambda.qualifier = "prod";
  EXPECT_EQ(lambda_arn("eu-west-3", lambda), "arn:aws:lambda:eu-west-3:123456789012:function:hello-function:prod");
}

TEST(AwsSpec, LambdaDefaults) {
  AwsBackendSpec spec;
  EXPECT_TRUE(errors_of("  aws:\n    lambda: {accountId: '000000000000', functionName: f}\n", &spec).empty());
  ASSERT_TRUE(spec.lambda);
  EXPECT_EQ(spec.region, "us-east-1");
  EXPECT_EQ(spec.lambda->qualifier, "$LATEST");
  EXPECT_FALSE(spec.lambda->async);
  EXPECT_FALSE(spec.lambda->payload_passthrough);
  EXPECT_FALSE(spec.lambda->endpoint);
  EXPECT_EQ(spec.auth.type, AuthSpec::Type::Default);
}

TEST(AwsSpec, TheLambdaAccountWinsOverTheDeprecatedOne) {
  AwsBackendSpec spec;
  EXPECT_TRUE(errors_of("  aws:\n    accountId: '111111111111'\n    lambda: {accountId: '222222222222', "
                        "functionName: f}\n",
                        &spec)
                  .empty());
  EXPECT_EQ(spec.lambda->account_id, "222222222222");
  EXPECT_TRUE(errors_of("  aws:\n    accountId: '111111111111'\n    lambda: {functionName: f}\n", &spec).empty());
  EXPECT_EQ(spec.lambda->account_id, "111111111111");
}

TEST(AwsSpec, EveryInvalidPartIsReportedAtOnceWithItsPath) {
  auto errors = errors_of(R"(  aws:
    region: US_EAST
    lambda:
      accountId: "12345"
      functionName: "bad name"
      qualifier: "v1.2"
      endpointURL: "ftp://x"
      invocationMode: Later
      payloadTransformMode: Both
)");
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors[0], "spec.aws.region: Invalid value: \"US_EAST\": lower-case letters, digits and '-'");
  EXPECT_EQ(errors[1], "spec.aws.lambda.accountId: Invalid value: \"12345\": must be 12 digits");
  EXPECT_EQ(errors[2],
            "spec.aws.lambda.functionName: Invalid value: \"bad name\": 1 to 140 letters, digits, '-' or '_'");
  EXPECT_EQ(errors[3],
            "spec.aws.lambda.qualifier: Invalid value: \"v1.2\": must be $LATEST, a version number or an alias name");
  EXPECT_EQ(errors[4], "spec.aws.lambda.endpointURL: Invalid value: \"ftp://x\": must start with http:// or https://");
  EXPECT_EQ(errors[5],
            "spec.aws.lambda.invocationMode: Unsupported value: \"Later\": supported values: \"Sync\", \"Async\"");
  EXPECT_EQ(errors[6],
            "spec.aws.lambda.payloadTransformMode: Unsupported value: \"Both\": supported values: "
            "\"None\", \"Envoy\"");
}

TEST(AwsSpec, MissingAccountAndFunction) {
  auto errors = errors_of("  aws:\n    lambda: {qualifier: '3'}\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "spec.aws.lambda.accountId: Required value: accountId must be specified on aws or aws.lambda");
  EXPECT_EQ(errors[1], "spec.aws.lambda.functionName: Required value");
}

TEST(AwsSpec, AuthMustMatchItsType) {
  EXPECT_EQ(errors_of("  aws:\n    auth: {type: Secret}\n    lambda: {accountId: '000000000000', functionName: f}\n"),
            std::vector<std::string>{
                "spec.aws.auth.secretRef: Required value: secretRef must be specified when type is 'Secret'"});
  EXPECT_EQ(errors_of("  aws:\n    auth: {type: AssumeRole, assumeRole: {roleArn: 'arn:aws:iam::1:role/x'}}\n"
                      "    lambda: {accountId: '000000000000', functionName: f}\n"),
            std::vector<std::string>{"spec.aws.auth.assumeRole.roleArn: Invalid value: \"arn:aws:iam::1:role/x\": "
                                     "must look like arn:aws:iam::<12-digit account>:role/<name>"});
  EXPECT_EQ(
      errors_of("  aws:\n    auth: {type: AssumeRole, secretRef: {name: s}, assumeRole: {roleArn: "
                "'arn:aws:iam::123456789012:role/x'}}\n    lambda: {accountId: '000000000000', functionName: f}\n"),
      std::vector<std::string>{"spec.aws.auth.secretRef: Forbidden: secretRef must be nil if the type is not "
                               "'Secret'"});
}

TEST(AwsSpec, ExactlyOneOfLambdaAndEc2) {
  EXPECT_EQ(errors_of("  aws: {region: us-east-1}\n"),
            std::vector<std::string>{"spec.aws: Invalid value: exactly one of the fields in [lambda ec2] must be set"});
}

TEST(AwsSpec, Ec2FiltersAddressTypeAndPort) {
  AwsBackendSpec spec;
  EXPECT_TRUE(errors_of(R"(  aws:
    region: eu-west-1
    ec2:
      addressType: PublicIP
      port: 8080
      filters:
      - key: team
      - keyValue: {key: app, value: web}
)",
                        &spec)
                  .empty());
  ASSERT_TRUE(spec.ec2);
  EXPECT_TRUE(spec.ec2->public_ip);
  EXPECT_EQ(spec.ec2->port, 8080u);
  ASSERT_EQ(spec.ec2->filters.size(), 2u);
  EXPECT_EQ(spec.ec2->filters[0], (TagFilter{"team", std::nullopt}));
  EXPECT_EQ(spec.ec2->filters[1], (TagFilter{"app", "web"}));

  EXPECT_EQ(errors_of("  aws:\n    ec2:\n      port: 0\n      filters:\n      - {key: a, keyValue: {key: b, value: "
                      "c}}\n"),
            (std::vector<std::string>{
                "spec.aws.ec2.port: Invalid value: must be an integer between 1 and 65535",
                "spec.aws.ec2.filters[0]: Invalid value: exactly one of the fields in [key keyValue] must be set"}));
}

TEST(EndpointUrl, SchemeHostPortAndPath) {
  std::string error;
  auto url = parse_endpoint_url("http://172.18.0.2:31566", error);
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->https);
  EXPECT_EQ(url->host, "172.18.0.2");
  EXPECT_EQ(url->port, 31566u);
  EXPECT_EQ(url->path, "/");
  url = parse_endpoint_url("https://lambda.example.com/base", error);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 443u);
  EXPECT_EQ(url->path, "/base");
  EXPECT_EQ(url->to_string(), "https://lambda.example.com/base");
  url = parse_endpoint_url("http://[::1]:8080/", error);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080u);
  EXPECT_FALSE(parse_endpoint_url("http://host:99999", error));
  EXPECT_EQ(error, "port must be between 1 and 65535");
  EXPECT_FALSE(parse_endpoint_url("https://:443", error));
  EXPECT_EQ(error, "missing host");
  EXPECT_FALSE(parse_endpoint_url("https://user@host", error));
}

sdk::Secret secret(std::map<std::string, std::string> data) {
  return sdk::Secret{{"", "Secret", "ns", "creds"}, "Opaque", std::move(data)};
}

TEST(SecretCredentials, AccessKeySecretKeyAndOptionalSessionToken) {
  std::vector<std::string> errors;
  auto c = credentials_from_secret(secret({{"accessKey", "AKID"}, {"secretKey", "SECRET"}}), errors);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (Credentials{"AKID", "SECRET", ""}));
  c = credentials_from_secret(secret({{"accessKey", "AKID"}, {"secretKey", "SECRET"}, {"sessionToken", "T"}}), errors);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->session_token, "T");
  EXPECT_TRUE(errors.empty());
}

TEST(SecretCredentials, EachBadSecretSaysWhatIsWrongWithoutItsValues) {
  struct Case {
    std::map<std::string, std::string> data;
    std::vector<std::string> errors;
  };
  const std::vector<Case> cases = {
      {{}, {"Secret ns/creds has no \"accessKey\" key", "Secret ns/creds has no \"secretKey\" key"}},
      {{{"secretKey", "S"}}, {"Secret ns/creds has no \"accessKey\" key"}},
      {{{"accessKey", "A"}}, {"Secret ns/creds has no \"secretKey\" key"}},
      {{{"accessKey", ""}, {"secretKey", "S"}}, {"Secret ns/creds: \"accessKey\" is empty"}},
      {{{"accessKey", "A"}, {"secretKey", "S3CR3T\n"}},
       {"Secret ns/creds: \"secretKey\" holds whitespace or non-printable characters"}},
      {{{"accessKey", "A"}, {"secretKey", "S"}, {"sessionToken", "t t"}},
       {"Secret ns/creds: \"sessionToken\" holds whitespace or non-printable characters"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> errors;
    EXPECT_FALSE(credentials_from_secret(secret(c.data), errors));
    EXPECT_EQ(errors, c.errors);
    for (const auto& e : errors) EXPECT_EQ(e.find("S3CR3T"), std::string::npos);
  }
}

}  // namespace
}  // namespace kgw::aws
