// The golden format of COMPATIBILITY.md: one document holding a translation's Envoy resources (in
// the proto3 JSON mapping, rendered as YAML or JSON) and its statuses. `kgw translate` prints it;
// the golden runner reads expected outputs with parse_golden and checks them with compare_golden.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "translator/output.h"

namespace kgw::translator {

enum class Format { Yaml, Json };

// One document with the top-level keys `Clusters`, `Endpoints`, `ExtraClusters`, `Listeners`,
// `Routes`, `Statuses`, each present only when non-empty. Mapping keys are sorted at every level
// (as in the reference goldens), so the same Output always renders to the same bytes.
std::string render_golden(const Output& output, Format format);

// One Value tree as a YAML document, rendered as render_golden renders its parts (map keys sorted,
// empty collections as `{}` / `[]`), ending with a newline.
std::string render_yaml(const sdk::Value& value);

// Reads a golden document (YAML or JSON). Plain scalars are typed by the YAML 1.2 core schema,
// quoted ones are strings. Every resource that fails to convert (unknown field, bad value, unknown
// `@type`) adds one error naming it, e.g. "Listeners[listener~8080]: <parser message>", and is
// left out of the result; the rest is still read.
Output parse_golden(std::string_view text, std::vector<std::string>& errors);

// Semantic comparison, one readable line per difference (empty: equal).
//  - Resource lists are matched by name: "Clusters[kube_default_svc_80]: missing" (expected, not
//    produced) or "...: unexpected" (produced, not expected).
//  - A pair is compared as protobuf messages; `Any` is compared by its unpacked content, repeated
//    fields in order, maps by key. Fields without presence (proto3 scalars) compare unset equal to
//    their default; a message field set to an empty message differs from an unset one, because
//    presence carries meaning in Envoy (`ads: {}`, wrapper types). Paths use proto field names and
//    values read expected -> actual:
//      "Listeners[listener~8080]: modified: filter_chains[0].filters[0].name: \"a\" -> \"b\""
//      "Routes[r]: missing: virtual_hosts[1]: {...}" / "Routes[r]: unexpected: ..."
//  - Statuses are compared field by field, lists in order; `lastTransitionTime` is ignored, and an
//    absent field equals null, [] or {}:
//      "Statuses.gateways[default/gw]: modified: conditions[0].reason: \"A\" -> \"B\""
std::vector<std::string> compare_golden(const Output& actual, const Output& expected);

}  // namespace kgw::translator
