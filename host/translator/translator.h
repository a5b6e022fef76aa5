// Translation of one Gateway: the objects in scope in, Envoy resources and statuses out.
#pragma once

#include <vector>

#include "config/config.h"
#include "kgw/sdk/object.h"
#include "plugins/extension_registry.h"
#include "translator/output.h"

namespace kgw::translator {

struct Input {
  // Every object known, in load order (creation timestamps already assigned).
  std::vector<sdk::Object> objects;
};

Output translate_gateway(const Input& input, const sdk::ObjectRef& gateway, const config::TranslationSettings& settings,
                         const plugins::ExtensionRegistry& registry);

}  // namespace kgw::translator
