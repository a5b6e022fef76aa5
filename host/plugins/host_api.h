// The HostApi handed to each plugin: logs under "plugin.<name>", finds Secrets through a
// resolver the store provides, and forwards conditions to a sink the reporter provides.
#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kgw/sdk/host_api.h"

namespace kgw::plugins {

// Provided by the layers that own Secrets and status; both may be empty (no Secrets, conditions
// dropped with a debug log), as in `kgw plugins inspect`.
struct HostServices {
  std::function<std::shared_ptr<const sdk::Secret>(const sdk::ObjectRef& from, std::string_view ns,
                                                   std::string_view name)>
      find_secret;
  std::function<void(const std::string& plugin, const sdk::ObjectRef& object, const sdk::ObjectRef* ancestor,
                     const sdk::Condition& condition)>
      report_condition;
};

class PluginHostApi final : public sdk::HostApi {
 public:
  PluginHostApi(std::string plugin_name, std::shared_ptr<const HostServices> services);

  void log(sdk::LogLevel level, std::string_view message) const noexcept override;
  std::shared_ptr<const sdk::Secret> find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                 std::string_view name) const noexcept override;
  void report_condition(const sdk::ObjectRef& object, const sdk::ObjectRef* ancestor,
                        const sdk::Condition& condition) const noexcept override;

 private:
  std::string plugin_name_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const HostServices> services_;
};

}  // namespace kgw::plugins
