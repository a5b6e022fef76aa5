// The ai-mcp-a2a plugin's reading of persisted keyset records (compiled in from the plugin).
#include <gtest/gtest.h>

#include "plugins/ai-mcp-a2a/jwks_store.h"

namespace kgw::agw_backend {
namespace {

TEST(JwksStoreRecord, ReadsStringMembersAndSkipsOthers) {
  auto m = json_string_members(
      R"({"version":1,"nested":{"a":[1,{"b":"}"}]},"url":"http://x/certs","ok":true,"none":null,"jwks":"{\"keys\":[]}"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->at("url"), "http://x/certs");
  EXPECT_EQ(m->at("jwks"), R"({"keys":[]})");
}

TEST(JwksStoreRecord, DecodesEscapesIncludingSurrogatePairs) {
  auto m = json_string_members(R"({"s":"a\n\"b\"\\\/\u00e9\ud83d\ude00"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("s"), "a\n\"b\"\\/\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(JwksStoreRecord, RefusesWhatIsNotOneObject) {
  EXPECT_FALSE(json_string_members(R"(["url"])"));
  EXPECT_FALSE(json_string_members(R"({"url":"x")"));
  EXPECT_FALSE(json_string_members(R"({"url":"x"} trailing)"));
  EXPECT_FALSE(json_string_members(R"({"s":"\ud83d"})"));
  EXPECT_FALSE(json_string_members("{\"s\":\"raw\nnewline\"}"));
  EXPECT_TRUE(json_string_members(" { } "));
}

}  // namespace
}  // namespace kgw::agw_backend
