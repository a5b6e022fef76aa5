// The SigV4 signer against AWS's published Signature Version 4 examples: the test suite's
// credentials (AKIDEXAMPLE) and time (20150830T123600Z), and the IAM ListUsers walk-through.
#include <gtest/gtest.h>

#include "sigv4.h"

namespace kgw::aws {
namespace {

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kDate = "20150830T123600Z";
constexpr const char* kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

HttpRequest suite_request(std::string method) {
  HttpRequest r;
  r.method = std::move(method);
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}};
  return r;
}

TEST(SigV4, Sha256OfNothing) { EXPECT_EQ(sha256_hex(""), kEmptyHash); }

TEST(SigV4, DerivesThePublishedSigningKey) {
  EXPECT_EQ(hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  EXPECT_EQ(hex(signing_key(kSuite.secret_access_key, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, GetVanilla) {
  HttpRequest r = suite_request("GET");
  SigV4Result s = sign_request(r, kSuite, "us-east-1", "service", kDate);
  EXPECT_EQ(s.canonical_request, std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                                             "host;x-amz-date\n") +
                                     kEmptyHash);
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(
      r.header("authorization"),
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, GetVanillaQueryOrderKeyCase) {
  HttpRequest r = suite_request("GET");
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  SigV4Result s = sign_request(r, kSuite, "us-east-1", "service", kDate);
  EXPECT_NE(s.canonical_request.find("\nParam1=value1&Param2=value2\n"), std::string::npos);
  EXPECT_EQ(sha256_hex(s.canonical_request), "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(s.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, PostVanilla) {
  HttpRequest r = suite_request("POST");
  EXPECT_EQ(sign_request(r, kSuite, "us-east-1", "service", kDate).signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, PostXWwwFormUrlencoded) {
  HttpRequest r = suite_request("POST");
  r.headers.insert(r.headers.begin(), {"Content-Type", "application/x-www-form-urlencoded"});
  r.body = "Param1=value1";
  SigV4Result s = sign_request(r, kSuite, "us-east-1", "service", kDate);
  EXPECT_EQ(s.signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(sha256_hex(s.canonical_request), "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(s.signature, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4, IamListUsersWalkThrough) {
  HttpRequest r;
  r.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", kDate}};
  SigV4Result s = sign_request(r, kSuite, "us-east-1", "iam", kDate);
  EXPECT_EQ(sha256_hex(s.canonical_request), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(s.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, HeaderValuesAreTrimmedAndFoldedAndRepeatsJoined) {
  HttpRequest r = suite_request("GET");
  r.headers.push_back({"My-Header1", "  value1   with  spaces  "});
  r.headers.push_back({"my-header1", "second"});
  SigV4Result s = sign_request(r, kSuite, "us-east-1", "service", kDate);
  EXPECT_NE(s.canonical_request.find("\nmy-header1:value1 with spaces,second\n"), std::string::npos);
  EXPECT_EQ(s.signed_headers, "host;my-header1;x-amz-date");
}

TEST(SigV4, TemporaryCredentialsSignTheirSessionToken) {
  HttpRequest r = suite_request("GET");
  Credentials temporary = kSuite;
  temporary.session_token = "token+/=";
  SigV4Result s = sign_request(r, temporary, "us-east-1", "service", kDate);
  EXPECT_EQ(r.header("X-Amz-Security-Token"), "token+/=");
  EXPECT_EQ(s.signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_NE(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, ARecomputedSignatureMatchesOnlyTheSameRequest) {
  HttpRequest r = suite_request("POST");
  r.body = "Action=DescribeInstances";
  SigV4Result signed_once = sign_request(r, kSuite, "eu-west-1", "ec2", kDate);
  EXPECT_EQ(compute_signature(r, kSuite, "eu-west-1", "ec2", kDate, signed_once.signed_headers).signature,
            signed_once.signature);
  r.body = "Action=DescribeInstances&x=1";
  EXPECT_NE(compute_signature(r, kSuite, "eu-west-1", "ec2", kDate, signed_once.signed_headers).signature,
            signed_once.signature);
}

TEST(SigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(uri_encode("a b/c=d+e*"), "a%20b%2Fc%3Dd%2Be%2A");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");
}

TEST(SigV4, AmzDateIsUtcBasicFormat) { EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), kDate); }

}  // namespace
}  // namespace kgw::aws
