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
  // Asks for the Gateways using `object` to be translated again (HostApi::refresh); may be empty.
  std::function<void(const std::string& plugin, const sdk::ObjectRef& object)> refresh;
};

class PluginHostApi final : public sdk::HostApi {
 public:
  PluginHostApi(std::string plugin_name, std::shared_ptr<const HostServices> services);

  void log(sdk::LogLevel level, std::string_view message) const noexcept override;
  std::shared_ptr<const sdk::Secret> find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                 std::string_view name) const noexcept override;
  void report_condition(const sdk::ObjectRef& object, const sdk::ObjectRef* ancestor,
                        const sdk::Condition& condition) const noexcept override;
  // Objects and backends exist only during a translation: these find nothing.
  const sdk::Object* find_object(const sdk::ObjectRef& from, const sdk::ObjectRef& target,
                                 std::string* why = nullptr) const noexcept override;
  std::string backend_cluster(const sdk::ObjectRef& from, const sdk::ObjectRef& target, int32_t port,
                              std::string& error) const noexcept override;
  void refresh(const sdk::ObjectRef& object) const noexcept override;

 private:
  std::string plugin_name_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const HostServices> services_;
};

}  // namespace kgw::plugins
