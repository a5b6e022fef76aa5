#include "plugins/host_api.h"

#include "logging/logging.h"

namespace kgw::plugins {

PluginHostApi::PluginHostApi(std::string plugin_name, std::shared_ptr<const HostServices> services)
    : plugin_name_(std::move(plugin_name)),
      logger_(logging::get("plugin." + plugin_name_)),
      services_(std::move(services)) {}

void PluginHostApi::log(sdk::LogLevel level, std::string_view message) const noexcept {
  try {
    spdlog::level::level_enum l = spdlog::level::info;
    switch (level) {
      case sdk::LogLevel::Trace:
        l = spdlog::level::trace;
        break;
      case sdk::LogLevel::Debug:
        l = spdlog::level::debug;
        break;
      case sdk::LogLevel::Info:
        l = spdlog::level::info;
        break;
      case sdk::LogLevel::Warn:
        l = spdlog::level::warn;
        break;
      case sdk::LogLevel::Error:
        l = spdlog::level::err;
        break;
    }
    logger_->log(l, "{}", message);
  } catch (...) {
    // Logging must never take the plugin or the host down.
  }
}

std::shared_ptr<const sdk::Secret> PluginHostApi::find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                              std::string_view name) const noexcept {
  try {
    if (services_ && services_->find_secret) return services_->find_secret(from, ns, name);
  } catch (const std::exception& e) {
    logger_->error("secret lookup failed: {}", e.what());
  } catch (...) {
  }
  return nullptr;
}

void PluginHostApi::report_condition(const sdk::ObjectRef& object, const sdk::ObjectRef* ancestor,
                                     const sdk::Condition& condition) const noexcept {
  try {
    if (services_ && services_->report_condition) {
      services_->report_condition(plugin_name_, object, ancestor, condition);
    } else {
      logger_->debug("condition {} on {} dropped: no reporter", condition.type, object.to_string());
    }
  } catch (...) {
  }
}

const sdk::Object* PluginHostApi::find_object(const sdk::ObjectRef&, const sdk::ObjectRef&,
                                              std::string* why) const noexcept {
  try {
    if (why) *why = "not found";
  } catch (...) {
  }
  return nullptr;
}

std::string PluginHostApi::backend_cluster(const sdk::ObjectRef&, const sdk::ObjectRef&, int32_t,
                                           std::string& error) const noexcept {
  try {
    error = "backends resolve only during a translation";
  } catch (...) {
  }
  return {};
}

void PluginHostApi::refresh(const sdk::ObjectRef& object) const noexcept {
  try {
    if (services_ && services_->refresh) {
      services_->refresh(plugin_name_, object);
    } else {
      logger_->debug("refresh of {} dropped: nothing translates again here", object.to_string());
    }
  } catch (...) {
  }
}

}  // namespace kgw::plugins
