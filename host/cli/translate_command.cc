#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "agw/golden_format.h"
#include "agw/translate.h"
#include "builtin/builtin_extensions.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "config/config.h"
#include "plugins/configured_plugins.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/load.h"
#include "translator/golden_format.h"
#include "translator/translator.h"

namespace kgw::cli {
namespace {

const char* const kUsage =
    R"(usage: kgw translate -f PATH [-f PATH...] --gateway NS/NAME [--set KEY=VALUE...] [-o yaml|json]
                     [--config FILE] [--plugin-dir DIR]
       kgw translate --proxy agentgateway -f PATH [-f PATH...] [--set KEY=VALUE...] [-o yaml|json]
                     [--config FILE] [--plugin-dir DIR]

Translates the manifests in PATH (files or directories) for one Gateway and prints the proxy
configuration and the resources' status as one document (the golden format). With --proxy
agentgateway: every Gateway of agentgateway's class, as agentgateway resources (output:,
addresses:, status:); AgentgatewayBackend and AgentgatewayPolicy need the ai-mcp-a2a plugin
among --config's plugins.

  -f, --file PATH       a manifest file or directory; repeatable, loaded in the order given
  --proxy PROXY         envoy (default) or agentgateway
  --gateway NS/NAME     the Gateway whose proxy configuration is printed (Envoy)
  --set KEY=VALUE       a translation setting, e.g. ValidationMode=apisettings.ValidationStrict or
                        validation_mode=strict; repeatable, applied after --config's [translation]
  -o, --output FORMAT   yaml (default) or json
  --config FILE         take [translation] and the plugins to load from this TOML file
  --plugin-dir DIR      where plugins without a `path` are found (as for kgw serve)

Exits 1 when an input cannot be read or parsed or the Gateway is not in it, 2 on bad usage.
)";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kgw translate: %s\n\n%s", message.c_str(), kUsage);
  return kExitUsage;
}

int write_out(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "kgw translate: cannot write the output\n");
    return kExitRuntime;
  }
  return kExitOk;
}

int translate_agentgateway(const Args& args, const std::vector<std::filesystem::path>& paths,
                           const plugins::ExtensionRegistry& registry) {
  if (args.get("-o") && args.get("--output")) return usage_error("give -o or --output, not both");
  const std::string format_name = args.get("-o").value_or(args.get("--output").value_or("yaml"));
  if (format_name != "yaml" && format_name != "json")
    return usage_error("-o: expected yaml or json, got '" + format_name + "'");
  config::TranslationSettings settings;
  for (const auto& assignment : args.all("--set")) {
    sdk::Status status = config::apply_setting(settings, assignment);
    if (!status) return usage_error("--set " + assignment + ": " + status.message());
  }
  sources::LoadedObjects loaded = sources::load_manifest_paths(paths);
  for (const auto& e : loaded.errors) std::fprintf(stderr, "kgw translate: %s\n", e.c_str());
  if (!loaded.errors.empty()) {
    std::fprintf(stderr, "kgw translate: %zu error(s) in the input\n", loaded.errors.size());
    return kExitRuntime;
  }
  const agw::Output output = agw::translate(loaded.objects, registry);
  return write_out(agw::render(output, format_name == "json" ? translator::Format::Json : translator::Format::Yaml));
}

}  // namespace

int translate_command(int argc, char** argv, int first) {
  std::string error;
  ArgSpec spec{{"-f", "--file", "--gateway", "--set", "-o", "--output", "--config", "--plugin-dir", "--proxy"},
               {"-f", "--file", "--set"},
               {"--help", "-h"}};
  auto args = parse_args(argc, argv, first, spec, error);
  if (!args) return usage_error(error);
  if (args->has("--help") || args->has("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!args->positional.empty()) return usage_error("unexpected argument '" + args->positional[0] + "'");

  std::vector<std::filesystem::path> paths;
  for (const char* flag : {"-f", "--file"})
    for (const auto& p : args->all(flag)) paths.emplace_back(p);
  if (paths.empty()) return usage_error("at least one -f PATH is needed");

  const std::string proxy = args->get("--proxy").value_or("envoy");
  if (proxy != "envoy" && proxy != "agentgateway")
    return usage_error("--proxy: expected envoy or agentgateway, got '" + proxy + "'");
  if (proxy == "agentgateway" && args->get("--gateway"))
    return usage_error("--gateway is for Envoy; agentgateway prints every Gateway");

  // Plugins stay loaded while the registry is used: the loader owns their libraries.
  plugins::PluginLoader loader;
  plugins::ExtensionRegistry registry;
  builtin::register_builtin_extensions(registry);
  config::TranslationSettings settings;
  if (auto config_file = args->get("--config")) {
    auto config_result = config::load_config_file(*config_file);
    if (!config_result.config) {
      for (const auto& e : config_result.errors) std::fprintf(stderr, "kgw translate: %s\n", e.to_string().c_str());
      return kExitUsage;
    }
    settings = config_result.config->translation;
    const std::filesystem::path plugin_dir =
        args->get("--plugin-dir") ? std::filesystem::path(*args->get("--plugin-dir")) : plugins::default_plugin_dir();
    auto plugin_set = plugins::load_configured_plugins(*config_result.config, plugin_dir, loader, registry);
    // Refusals of optional plugins are already logged by the loader.
    if (plugin_set.fatal) {
      for (const auto& e : plugin_set.errors) std::fprintf(stderr, "kgw translate: %s\n", e.c_str());
      std::fprintf(stderr, "kgw translate: a required plugin was refused\n");
      return kExitUsage;
    }
  } else if (args->get("--plugin-dir")) {
    return usage_error("--plugin-dir needs --config (plugins are listed there)");
  }
  if (proxy == "agentgateway") return translate_agentgateway(*args, paths, registry);

  auto gateway_arg = args->get("--gateway");
  if (!gateway_arg) return usage_error("--gateway NS/NAME is needed");
  size_t slash = gateway_arg->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == gateway_arg->size() ||
      gateway_arg->find('/', slash + 1) != std::string::npos)
    return usage_error("--gateway: expected NS/NAME, got '" + *gateway_arg + "'");
  const sdk::ObjectRef gateway{"gateway.networking.k8s.io", "Gateway", gateway_arg->substr(0, slash),
                               gateway_arg->substr(slash + 1)};

  if (args->get("-o") && args->get("--output")) return usage_error("give -o or --output, not both");
  const std::string format_name = args->get("-o").value_or(args->get("--output").value_or("yaml"));
  translator::Format format;
  if (format_name == "yaml")
    format = translator::Format::Yaml;
  else if (format_name == "json")
    format = translator::Format::Json;
  else
    return usage_error("-o: expected yaml or json, got '" + format_name + "'");

  for (const auto& assignment : args->all("--set")) {
    sdk::Status status = config::apply_setting(settings, assignment);
    if (!status) return usage_error("--set " + assignment + ": " + status.message());
  }

  sources::LoadedObjects loaded = sources::load_manifest_paths(paths);
  for (const auto& e : loaded.errors) std::fprintf(stderr, "kgw translate: %s\n", e.c_str());
  if (!loaded.errors.empty()) {
    std::fprintf(stderr, "kgw translate: %zu error(s) in the input\n", loaded.errors.size());
    return kExitRuntime;
  }
  bool found = false;
  for (const auto& object : loaded.objects) found = found || object.ref == gateway;
  if (!found) {
    std::fprintf(stderr, "kgw translate: Gateway %s not found in the input\n", gateway_arg->c_str());
    return kExitRuntime;
  }

  translator::Input input{std::move(loaded.objects)};
  translator::Output output = translator::translate_gateway(input, gateway, settings, registry);
  const std::string text = translator::render_golden(output, format);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "kgw translate: cannot write the output\n");
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace kgw::cli
