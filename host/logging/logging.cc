#include "logging/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <mutex>

namespace kgw::logging {
namespace {

void append_json_string(std::string_view s, spdlog::memory_buf_t& out) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out.append(std::string_view(buf));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// One JSON object per line: {"ts":"...","level":"info","component":"host","msg":"..."}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto t = system_clock::to_time_t(msg.time);
    auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[80];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    dest.append(std::string_view("{\"ts\":\""));
    dest.append(std::string_view(ts));
    dest.append(std::string_view("\",\"level\":"));
    auto level = spdlog::level::to_string_view(msg.level);
    append_json_string(std::string_view(level.data(), level.size()), dest);
    dest.append(std::string_view(",\"component\":"));
    append_json_string(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    dest.append(std::string_view(",\"msg\":"));
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

struct State {
  std::mutex mu;
  Options options;
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

State& state() {
  static State s;
  return s;
}

spdlog::level::level_enum level_for(const Options& o, const std::string& component) {
  if (auto it = o.components.find(component); it != o.components.end())
    if (auto l = parse_level(it->second)) return *l;
  // "plugin.filters" also listens to a level set for "plugin".
  if (auto dot = component.find('.'); dot != std::string::npos)
    if (auto it = o.components.find(component.substr(0, dot)); it != o.components.end())
      if (auto l = parse_level(it->second)) return *l;
  return parse_level(o.level).value_or(spdlog::level::info);
}

void apply(State& s) {
  if (s.options.format == "json")
    s.sink->set_formatter(std::make_unique<JsonFormatter>());
  else
    s.sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %n: %v",
                                                                      spdlog::pattern_time_type::utc));
  for (auto& [name, logger] : s.loggers) logger->set_level(level_for(s.options, name));
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_level(const std::string& name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

void configure(const Options& options) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.options = options;
  apply(s);
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  State& s = state();
  std::lock_guard lock(s.mu);
  auto& logger = s.loggers[component];
  if (!logger) {
    logger = std::make_shared<spdlog::logger>(component, s.sink);
    logger->set_level(level_for(s.options, component));
    if (s.loggers.size() == 1) apply(s);  // first logger: install the formatter
  }
  return logger;
}

}  // namespace kgw::logging
