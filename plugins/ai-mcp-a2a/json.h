// JSON for the plugin: strict parsing into Values (keysets persisted by the controller, API key
// entries), compact writing in source order, and Values as protobuf Values.
#pragma once

#include <kgw/sdk/value.h>

#include <optional>
#include <string>
#include <string_view>

namespace google::protobuf {
class Value;
}

namespace kgw::agw_backend {

// One JSON document; nullopt when it is malformed or has trailing text.
std::optional<sdk::Value> parse_json(std::string_view text);

// Compact JSON, object keys in source order.
void append_json(std::string& out, const sdk::Value& v);
// The shortest text that reads back as `d`, as Go writes floats; "null" when not finite.
std::string format_double(double d);

void to_proto_value(const sdk::Value& v, google::protobuf::Value& out);

}  // namespace kgw::agw_backend
