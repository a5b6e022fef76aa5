// kgw's configuration, as read from the TOML file (conf/kgw.toml documents every key).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::config {

struct LogConfig {
  std::string level = "info";                     // trace | debug | info | warn | error | off
  std::string format = "text";                    // text | json
  std::map<std::string, std::string> components;  // component name -> level

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct ServerConfig {
  std::string xds_address = "0.0.0.0";
  uint16_t xds_port = 9977;
  // agentgateway proxies: served on their own port, on xds_address, when enabled.
  bool agentgateway = false;
  uint16_t agentgateway_xds_port = 9978;
  std::string admin_address = "127.0.0.1";
  uint16_t admin_port = 9095;
  LogConfig log;

  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct SourceConfig {
  std::string kind = "dir";                         // only "dir" for now; "etcd" is reserved
  std::vector<std::filesystem::path> paths;         // resolved against the config file's directory
  std::optional<std::filesystem::path> status_dir;  // likewise; unset: status is not written
  int debounce_ms = 100;                            // quiet time after file events before reading

  friend bool operator==(const SourceConfig&, const SourceConfig&) = default;
};

struct PluginConfig {
  std::string name;
  std::filesystem::path path;  // resolved; empty means "search the plugin directory"
  bool enabled = true;
  bool required = false;
  sdk::Value config;     // [plugins.config]; an empty table (marked at the entry) when absent
  sdk::SourceMark mark;  // where the [[plugins]] entry starts
};

// Translation settings: `[translation]` in the TOML file, `--set KEY=VALUE` for `kgw translate`.
enum class ValidationMode { Standard, Strict };
enum class ReferenceGrantMode { Standard, Strict, Off };
enum class MergeStrategy { ShallowMerge, DeepMerge };

struct TranslationSettings {
  ValidationMode validation_mode = ValidationMode::Standard;
  ReferenceGrantMode reference_grant_mode = ReferenceGrantMode::Standard;
  // Policy kind (as in kgateway's JSON, e.g. "trafficPolicy") -> policy field (e.g. "acl") ->
  // how policies attached at several levels are merged for that field.
  std::map<std::string, std::map<std::string, MergeStrategy>> policy_merge;
  std::string global_policy_namespace;  // empty: no global policy namespace
  bool enable_route_source_metadata = false;
  bool weighted_route_precedence = false;

  friend bool operator==(const TranslationSettings&, const TranslationSettings&) = default;
};

// The TOML spellings ("standard", "strict", "off", "ShallowMerge", ...).
const char* to_string(ValidationMode mode);
const char* to_string(ReferenceGrantMode mode);
const char* to_string(MergeStrategy strategy);

// Applies one `KEY=VALUE` setting, written as the reference cases write them:
//   ValidationMode=apisettings.ValidationStrict
//   ReferenceGrantMode=apisettings.ReferenceGrantOff
//   PolicyMerge=`{"trafficPolicy":{"acl":"ShallowMerge"}}`
//   GlobalPolicyNamespace="kgateway-system"
//   EnableRouteSourceMetadata=true
// The TOML key (e.g. `validation_mode=strict`) is accepted too. Values may be bare, "quoted" or
// `backquoted`. Unknown keys and invalid values leave `settings` unchanged and return an error
// whose path is the key.
sdk::Status apply_setting(TranslationSettings& settings, std::string_view assignment);

struct Config {
  std::filesystem::path file;  // the file this was read from
  ServerConfig server;
  SourceConfig source;
  std::vector<PluginConfig> plugins;
  TranslationSettings translation;
};

// A configuration error: file, line, column and the key's dotted path.
struct ConfigError {
  std::string file;
  uint32_t line = 0;    // 1-based; 0 when the error is about the whole file
  uint32_t column = 0;  // 1-based
  std::string key;      // e.g. "server.xds_port" or "plugins[1].config.region"; empty for syntax
  std::string message;

  // "conf/kgw.toml:12:3: server.xds_port: expected an integer, got a string"; the position is left
  // out when unknown, the key when empty.
  std::string to_string() const;

  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

struct LoadResult {
  std::optional<Config> config;     // set when errors is empty
  std::vector<ConfigError> errors;  // every error found, in file order
};

// Parses and validates a configuration file; collects every error.
LoadResult load_config_file(const std::filesystem::path& file);
// Same, from text (for tests and the embedded default); `file` names it in errors and is the base
// for relative paths.
LoadResult load_config_string(std::string_view text, const std::filesystem::path& file);

// Locates a key path (as a plugin reports it inside its config: `upstreams[0].region`,
// `headers["x-api-key"]`) in a config Value, for error messages; returns the mark of the deepest
// node the path reaches that has one (the root's when none does).
sdk::SourceMark locate(const sdk::Value& root, std::string_view path);

}  // namespace kgw::config
