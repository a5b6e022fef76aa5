// What the status directory holds: one YAML file per object and one per manifest file with
// errors, as paths relative to the directory mapped to their contents.
//
//   <section>/<namespace>/<name>.yaml     an object's status, e.g. httpRoutes/default/api.yaml;
//                                         the sections of translator::Output (gateways,
//                                         listenerSets, httpRoutes, grpcRoutes, tcpRoutes,
//                                         tlsRoutes, backends)
//   policies/<Kind>/<namespace>/<name>.yaml
//   _errors/<file>.yaml                   the errors of a manifest file that does not parse (its
//                                         last good objects stay in effect); gone once it parses
//
// An object file holds the status struct itself (`conditions`, `parents`, `listeners`, ... as the
// Gateway API defines them); an errors file holds `file` and `errors`, each error with `line`,
// `column` (when known), `path` (when known) and `message`. Map keys are sorted and nothing
// varies between runs, so equal statuses give equal bytes.
//
// Path components are escaped so every key maps to its own file: characters other than ASCII
// letters, digits, '.', '_' and '-' become %XX (a file path's '/' becomes '~'), an empty
// component becomes '_', and "." and ".." are escaped whole. An escaped name longer than 200
// bytes keeps its last 160 bytes behind a hash of the whole.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "serve/status_merge.h"
#include "sources/manifest_parser.h"

namespace kgw::serve {

// Manifest file -> its current errors (files without errors are absent).
using FileErrors = std::map<std::string, std::vector<sources::ParseError>>;

inline constexpr const char* kErrorsDirectory = "_errors";

// Relative path -> content, for every object and every file with errors.
std::map<std::string, std::string> status_files(const Statuses& statuses, const FileErrors& errors);

// Relative path -> new content, or nullopt for a file to remove.
using StatusFileChanges = std::map<std::string, std::optional<std::string>>;

// The files of the objects whose status `gateways` (translated again or dropped) reported in
// `before` or report in `after`, merged anew from `after`. Other objects' files cannot have
// changed, so an update costs what it touched, not what the store holds.
// `extra` holds statuses that come from elsewhere (the agentgateway translation), merged after the
// outputs'; `extra_touched` names its entries that changed, whose files are written anew too.
StatusFileChanges status_file_changes(const GatewayOutputs& before, const GatewayOutputs& after,
                                      const std::set<sdk::ObjectRef>& gateways, const Statuses& extra = {},
                                      const std::set<std::pair<std::string, std::string>>& extra_touched = {});

std::string status_path(const std::string& section, const std::string& key);
std::string errors_path(const std::string& file);
std::string render_errors(const std::string& file, const std::vector<sources::ParseError>& errors);

// The top-level directories the layout writes into: the status writer owns them.
std::vector<std::string> status_directories();

std::string escape_component(std::string_view component);

}  // namespace kgw::serve
