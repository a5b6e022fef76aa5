// The filters plugin's CEL parser: ids and positions as the reference CEL parser assigns them.
#include <gtest/gtest.h>

#include <string>

#include "plugins/filters/cel.h"

namespace kgw::filters {
namespace {

cel::expr::ParsedExpr parsed(const std::string& text) {
  auto result = parse_cel(text);
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << text << ": " << *error;
  auto* expr = std::get_if<cel::expr::ParsedExpr>(&result);
  return expr ? *expr : cel::expr::ParsedExpr();
}

TEST(Cel, OperandsComeBeforeTheirOperatorAndPrecedenceHolds) {
  const auto p = parsed("a + b * c");
  const auto& e = p.expr();
  EXPECT_EQ(e.call_expr().function(), "_+_");
  EXPECT_EQ(e.id(), 2);
  EXPECT_EQ(e.call_expr().args(0).ident_expr().name(), "a");
  EXPECT_EQ(e.call_expr().args(0).id(), 1);
  const auto& product = e.call_expr().args(1);
  EXPECT_EQ(product.call_expr().function(), "_*_");
  EXPECT_EQ(product.id(), 4);
  EXPECT_EQ(product.call_expr().args(0).id(), 3);
  EXPECT_EQ(product.call_expr().args(1).id(), 5);
  EXPECT_EQ(p.source_info().positions().at(4), 6);
}

TEST(Cel, LogicalChainsAreBalancedWithTheOperatorIdAfterItsRightTerm) {
  const auto p = parsed("a && b && c");
  const auto& e = p.expr();
  EXPECT_EQ(e.id(), 5);
  EXPECT_EQ(e.call_expr().args(0).id(), 3);
  EXPECT_EQ(e.call_expr().args(0).call_expr().args(1).ident_expr().name(), "b");
  EXPECT_EQ(e.call_expr().args(0).call_expr().args(1).id(), 2);
  EXPECT_EQ(e.call_expr().args(1).id(), 4);
}

TEST(Cel, MapEntriesTakeTheirIdBeforeTheKeyAtTheColon) {
  const auto p = parsed("{'k': 1}");
  const auto& e = p.expr();
  EXPECT_EQ(e.id(), 1);
  const auto& entry = e.struct_expr().entries(0);
  EXPECT_EQ(entry.id(), 2);
  EXPECT_EQ(entry.map_key().id(), 3);
  EXPECT_EQ(entry.map_key().const_expr().string_value(), "k");
  EXPECT_EQ(entry.value().const_expr().int64_value(), 1);
  EXPECT_EQ(p.source_info().positions().at(2), 4);
}

TEST(Cel, LineOffsetsEndEachLineAndPositionsCountCodePoints) {
  const auto p = parsed("'\xc3\xa9' ==\nb");
  ASSERT_EQ(p.source_info().line_offsets_size(), 2);
  EXPECT_EQ(p.source_info().line_offsets(0), 7);
  EXPECT_EQ(p.source_info().line_offsets(1), 9);
  EXPECT_EQ(p.source_info().positions().at(2), 4);  // '==' after a two-byte character
  EXPECT_EQ(p.source_info().location(), "<input>");
}

TEST(Cel, MacrosAndBadInputAreErrors) {
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_cel("has(a.b)")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_cel("l.exists(x, x > 1)")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_cel("a ==")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_cel("'open")));
}

TEST(Cel, LiteralsAndNegation) {
  EXPECT_EQ(parsed("-5").expr().const_expr().int64_value(), -5);
  EXPECT_EQ(parsed("5u").expr().const_expr().uint64_value(), 5u);
  EXPECT_EQ(parsed("0x10").expr().const_expr().int64_value(), 16);
  EXPECT_DOUBLE_EQ(parsed("1.5e1").expr().const_expr().double_value(), 15.0);
  EXPECT_EQ(parsed("'a\\nb'").expr().const_expr().string_value(), "a\nb");
  EXPECT_EQ(parsed("r'a\\nb'").expr().const_expr().string_value(), "a\\nb");
  EXPECT_EQ(parsed("!!a").expr().ident_expr().name(), "a");
  EXPECT_EQ(parsed("!a").expr().call_expr().function(), "!_");
  EXPECT_EQ(parsed("x in [1, 2]").expr().call_expr().function(), "@in");
}

}  // namespace
}  // namespace kgw::filters
