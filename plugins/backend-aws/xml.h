// A small XML reader for AWS Query API responses: elements, text and entities. Attributes,
// namespaces and processing instructions are read past; DTDs are refused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kgw::aws::xml {

struct Element {
  std::string name;  // without namespace prefix
  std::string text;  // character data directly inside the element, entities decoded
  std::vector<Element> children;

  // The first direct child named `name`, or nullptr.
  const Element* child(std::string_view name) const;
  // Text of the first direct child named `name`, or "".
  std::string child_text(std::string_view name) const;
};

// The document's root element, or nullopt with the reason in `error`.
std::optional<Element> parse(std::string_view document, std::string& error);

}  // namespace kgw::aws::xml
