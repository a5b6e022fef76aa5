// Translation of one Gateway: the objects in scope in, Envoy resources and statuses out.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"
#include "plugins/extension_registry.h"
#include "translator/output.h"
#include "translator/translation_memo.h"

namespace kgw::translator {

struct Input {
  // Every object known, in load order (creation timestamps already assigned).
  std::vector<sdk::Object> objects;
  // Where Secrets come from when they are held apart from `objects` (kgw serve): Secret ns/name,
  // or nullptr. When empty, the Secrets are among `objects` (kgw translate).
  std::function<std::shared_ptr<const sdk::Secret>(std::string_view ns, std::string_view name)> find_secret;
};

// With a memo (one per Gateway, told what changed since its last translation), what the last
// translation built and nothing since invalidated is reused; the output is the same either way.
Output translate_gateway(const Input& input, const sdk::ObjectRef& gateway, const config::TranslationSettings& settings,
                         const plugins::ExtensionRegistry& registry, TranslationMemo* memo = nullptr);

}  // namespace kgw::translator
