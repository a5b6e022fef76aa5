// The one header a plugin includes. A plugin defines a registration function and names it once:
//
//   kgw::sdk::Status register_my_plugin(kgw::sdk::RegistrationContext& ctx) { ... }
//   KGW_PLUGIN("my-plugin", "1.0.0", "What it adds", register_my_plugin)
//
// KGW_PLUGIN defines the manifest, the exported `kgw_plugin_manifest` alias, and the C entry that
// catches any exception the registration function lets escape.
#pragma once

#include <algorithm>
#include <boost/dll/alias.hpp>
#include <cstring>
#include <exception>

#include "kgw/sdk/abi.h"
#include "kgw/sdk/config_table.h"
#include "kgw/sdk/registry.h"
#include "kgw/sdk/toolchain.h"

namespace kgw::sdk::detail {

using RegisterFn = Status (*)(RegistrationContext&);

inline void copy_error(const std::string& message, char* error, uint32_t size) {
  if (!error || size == 0) return;
  const size_t n = std::min<size_t>(message.size(), size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

// The exception barrier between plugin code and the host.
inline int call_register(RegisterFn fn, void* context, char* error, uint32_t error_size) noexcept {
  try {
    auto& ctx = *static_cast<RegistrationContext*>(context);
    Status status = fn(ctx);
    if (status.is_ok()) return 0;
    ctx.record_errors(status);
    copy_error(status.message(), error, error_size);
  } catch (const std::exception& e) {
    copy_error(std::string("registration threw: ") + e.what(), error, error_size);
  } catch (...) {
    copy_error("registration threw a non-standard exception", error, error_size);
  }
  return 1;
}

}  // namespace kgw::sdk::detail

#define KGW_PLUGIN(NAME, VERSION, DESCRIPTION, REGISTER_FN)                                                    \
  namespace kgw_plugin_entry {                                                                                 \
  static int register_entry(void* context, char* error, uint32_t error_size) {                                 \
    return ::kgw::sdk::detail::call_register(&REGISTER_FN, context, error, error_size);                        \
  }                                                                                                            \
  static const kgw_plugin_manifest manifest = {                                                                \
      KGW_PLUGIN_MAGIC, KGW_ABI_MAJOR, KGW_ABI_MINOR,  KGW_SDK_VERSION, ::kgw::sdk::current_toolchain(), NAME, \
      VERSION,          DESCRIPTION,   &register_entry};                                                       \
  const kgw_plugin_manifest* get_manifest() { return &manifest; }                                              \
  }                                                                                                            \
  BOOST_DLL_ALIAS(kgw_plugin_entry::get_manifest, kgw_plugin_manifest)
