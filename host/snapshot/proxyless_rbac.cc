#include "snapshot/proxyless_rbac.h"

#include <optional>
#include <string>

#include "envoy/config/rbac/v3/rbac.pb.h"
#include "xds/type/matcher/v3/cel.pb.h"
#include "xds/type/matcher/v3/matcher.pb.h"

namespace kgw::snapshot {
namespace {

using envoy::config::rbac::v3::Permission;
using envoy::config::rbac::v3::RBAC;
using Predicate = xds::type::matcher::v3::Matcher::MatcherList::Predicate;

const std::string* string_constant(const cel::expr::Expr& e) {
  if (e.expr_kind_case() != cel::expr::Expr::kConstExpr ||
      e.const_expr().constant_kind_case() != cel::expr::Constant::kStringValue)
    return nullptr;
  return &e.const_expr().string_value();
}

// `request.<field>`: the field's name, or nullptr.
const std::string* request_field(const cel::expr::Expr& e) {
  if (e.expr_kind_case() != cel::expr::Expr::kSelectExpr) return nullptr;
  const auto& operand = e.select_expr().operand();
  if (operand.expr_kind_case() != cel::expr::Expr::kIdentExpr || operand.ident_expr().name() != "request")
    return nullptr;
  return &e.select_expr().field();
}

// `request.headers[NAME]`: the header's name, or nullptr.
const std::string* request_header(const cel::expr::Expr& e) {
  if (e.expr_kind_case() != cel::expr::Expr::kCallExpr || e.call_expr().function() != "_[_]" ||
      e.call_expr().args_size() != 2)
    return nullptr;
  const std::string* field = request_field(e.call_expr().args(0));
  if (!field || *field != "headers") return nullptr;
  return string_constant(e.call_expr().args(1));
}

// gRPC C++ 1.51 reads header matchers in their older one-field forms only (as in routes).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Permission header_equals(const std::string& name, const std::string& value) {
  Permission p;
  p.mutable_header()->set_name(name);
  p.mutable_header()->set_exact_match(value);
  return p;
}
Permission header_prefix(const std::string& name, const std::string& value) {
  Permission p;
  p.mutable_header()->set_name(name);
  p.mutable_header()->set_prefix_match(value);
  return p;
}
#pragma GCC diagnostic pop

// The permission an expression stands for, or nullopt when it has none.
std::optional<Permission> permission(const cel::expr::Expr& e) {
  if (e.expr_kind_case() != cel::expr::Expr::kCallExpr) return std::nullopt;
  const auto& call = e.call_expr();
  const std::string& f = call.function();
  if ((f == "_&&_" || f == "_||_") && call.args_size() == 2) {
    Permission out;
    auto* set = f == "_&&_" ? out.mutable_and_rules() : out.mutable_or_rules();
    for (const auto& arg : call.args()) {
      auto p = permission(arg);
      if (!p) return std::nullopt;
      *set->add_rules() = std::move(*p);
    }
    return out;
  }
  if (f == "!_" && call.args_size() == 1) {
    auto p = permission(call.args(0));
    if (!p) return std::nullopt;
    Permission out;
    *out.mutable_not_rule() = std::move(*p);
    return out;
  }
  if (f == "_==_" && call.args_size() == 2) {
    for (int i = 0; i < 2; ++i) {
      const auto& subject = call.args(i);
      const std::string* value = string_constant(call.args(1 - i));
      if (!value) continue;
      if (const std::string* header = request_header(subject)) return header_equals(*header, *value);
      if (const std::string* field = request_field(subject)) {
        if (*field == "path") {
          Permission p;
          p.mutable_url_path()->mutable_path()->set_exact(*value);
          return p;
        }
        if (*field == "method") return header_equals(":method", *value);
        if (*field == "host") return header_equals(":authority", *value);
      }
    }
    return std::nullopt;
  }
  if (f == "startsWith" && call.has_target() && call.args_size() == 1) {
    const std::string* value = string_constant(call.args(0));
    if (!value) return std::nullopt;
    if (const std::string* header = request_header(call.target())) return header_prefix(*header, *value);
    if (const std::string* field = request_field(call.target()); field && *field == "path") {
      Permission p;
      p.mutable_url_path()->mutable_path()->set_prefix(*value);
      return p;
    }
  }
  return std::nullopt;
}

// The permission of one CEL predicate of the matcher.
std::optional<Permission> predicate_permission(const Predicate& predicate) {
  if (predicate.has_or_matcher()) {
    Permission out;
    for (const auto& p : predicate.or_matcher().predicate()) {
      auto one = predicate_permission(p);
      if (!one) return std::nullopt;
      *out.mutable_or_rules()->add_rules() = std::move(*one);
    }
    return out;
  }
  if (!predicate.has_single_predicate() || !predicate.single_predicate().has_custom_match()) return std::nullopt;
  xds::type::matcher::v3::CelMatcher cel;
  if (!predicate.single_predicate().custom_match().typed_config().UnpackTo(&cel) ||
      !cel.expr_match().has_cel_expr_parsed())
    return std::nullopt;
  return permission(cel.expr_match().cel_expr_parsed().expr());
}

std::optional<RBAC::Action> action_of(const xds::type::matcher::v3::Matcher::OnMatch& on_match) {
  envoy::config::rbac::v3::Action action;
  if (!on_match.has_action() || !on_match.action().typed_config().UnpackTo(&action)) return std::nullopt;
  return action.action();
}

}  // namespace

envoy::extensions::filters::http::rbac::v3::RBACPerRoute grpc_rbac(
    const envoy::extensions::filters::http::rbac::v3::RBACPerRoute& config) {
  if (!config.has_rbac() || !config.rbac().has_matcher()) return config;
  const auto& matcher = config.rbac().matcher();
  std::optional<RBAC::Action> action, otherwise;
  std::optional<Permission> permissions;
  if (matcher.has_matcher_list() && matcher.matcher_list().matchers_size() == 1 && matcher.has_on_no_match()) {
    const auto& only = matcher.matcher_list().matchers(0);
    action = action_of(only.on_match());
    otherwise = action_of(matcher.on_no_match());
    permissions = predicate_permission(only.predicate());
  }
  envoy::extensions::filters::http::rbac::v3::RBACPerRoute out;
  auto* rules = out.mutable_rbac()->mutable_rules();
  const bool opposite =
      action && otherwise &&
      ((*action == RBAC::ALLOW && *otherwise == RBAC::DENY) || (*action == RBAC::DENY && *otherwise == RBAC::ALLOW));
  if (!permissions || !opposite) {
    rules->set_action(RBAC::ALLOW);  // no policies: nothing is allowed
    return out;
  }
  rules->set_action(*action);
  auto& policy = (*rules->mutable_policies())["kgw-cel"];
  *policy.add_permissions() = std::move(*permissions);
  policy.add_principals()->set_any(true);
  return out;
}

}  // namespace kgw::snapshot
