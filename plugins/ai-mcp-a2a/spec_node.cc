#include "spec_node.h"

namespace kgw::agw_backend {

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!*this) return out;
  const sdk::Value::List* list = value_->as_list();
  if (!list) {
    invalid(std::string("expected a list, got ") + value_->kind_name());
    return out;
  }
  for (size_t i = 0; i < list->size(); ++i)
    out.emplace_back(&(*list)[i], path_ + "[" + std::to_string(i) + "]", *diag_);
  return out;
}

std::vector<std::pair<std::string, Node>> Node::entries() const {
  std::vector<std::pair<std::string, Node>> out;
  if (!*this) return out;
  const sdk::Value::Map* map = value_->as_map();
  if (!map) {
    invalid(std::string("expected a map, got ") + value_->kind_name());
    return out;
  }
  for (const auto& [key, v] : *map) out.emplace_back(key, Node(&v, path_ + "." + key, *diag_));
  return out;
}

std::optional<std::string> Node::string() const {
  if (!*this) return std::nullopt;
  if (const std::string* s = value_->as_string()) return *s;
  // Plain YAML scalars such as `2024-02-15` or `8080` may arrive typed; their text is wanted.
  if (auto i = value_->as_int()) return std::to_string(*i);
  if (auto b = value_->as_bool()) return *b ? "true" : "false";
  invalid(std::string("expected a string, got ") + value_->kind_name());
  return std::nullopt;
}

std::optional<int64_t> Node::integer() const {
  if (!*this) return std::nullopt;
  if (auto i = value_->as_int()) return i;
  invalid(std::string("expected an integer, got ") + value_->kind_name());
  return std::nullopt;
}

std::optional<int64_t> Node::integer_in(int64_t min, int64_t max) const {
  auto i = integer();
  if (i && (*i < min || *i > max)) {
    invalid("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return i;
}

std::vector<std::string> Node::strings() const {
  std::vector<std::string> out;
  for (const Node& item : items())
    if (auto s = item.string()) out.push_back(std::move(*s));
  return out;
}

}  // namespace kgw::agw_backend
