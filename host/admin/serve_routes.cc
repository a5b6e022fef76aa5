#include "admin/serve_routes.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"
#include "serve/status_files.h"
#include "serve/status_merge.h"
#include "translator/golden_format.h"

namespace kgw::admin {
namespace {

namespace pb = google::protobuf;

constexpr const char* kRedacted = "[redacted]";
constexpr const char* kJson = "application/json";

bool sensitive(std::string_view field_name) { return field_name == "private_key" || field_name == "password"; }

// A sensitive DataSource-like message: its inline value becomes the marker, shown as a string.
bool redact_inline(pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  const pb::FieldDescriptor* as_bytes = d->FindFieldByName("inline_bytes");
  const pb::FieldDescriptor* as_string = d->FindFieldByName("inline_string");
  const bool set = (as_bytes && r->HasField(m, as_bytes)) || (as_string && r->HasField(m, as_string));
  if (!set || (as_string && r->HasField(m, as_string) && r->GetString(m, as_string) == kRedacted)) return false;
  // In a oneof, setting the string clears the bytes, so the JSON shows the marker, not base64.
  if (as_string)
    r->SetString(&m, as_string, kRedacted);
  else
    r->SetString(&m, as_bytes, kRedacted);
  return true;
}

// An Any (generated or dynamic) by reflection: its payload is unpacked, redacted and packed again.
bool redact_any(pb::Message& any) {
  const pb::Descriptor* d = any.GetDescriptor();
  const pb::Reflection* r = any.GetReflection();
  const pb::FieldDescriptor* url_field = d->FindFieldByNumber(1);
  const pb::FieldDescriptor* value_field = d->FindFieldByNumber(2);
  if (!url_field || !value_field) return false;
  const std::string url = r->GetString(any, url_field);
  const pb::Descriptor* type =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(url.substr(url.rfind('/') + 1));
  if (!type) return false;  // an unknown payload cannot be rendered as JSON either
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
  if (!prototype) return false;
  std::unique_ptr<pb::Message> inner(prototype->New());
  if (!inner->ParseFromString(r->GetString(any, value_field)) || !redact_secrets(*inner)) return false;
  r->SetString(&any, value_field, inner->SerializeAsString());
  return true;
}

std::string json_string(std::string_view s) {
  // Only names checked by valid_name() go through here: nothing needs escaping but quotes.
  return "\"" + std::string(s) + "\"";
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_'))
      return false;
  return true;
}

std::optional<sdk::ObjectRef> gateway_ref(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string ns = text.substr(0, slash), name = text.substr(slash + 1);
  if (!valid_name(ns) || !valid_name(name)) return std::nullopt;
  return sdk::ObjectRef{"gateway.networking.k8s.io", "Gateway", std::move(ns), std::move(name)};
}

// `"key": [\n    {...},\n    {...}\n  ]`, each resource redacted (on a copy) and in the proto3
// JSON mapping; false with `error` set when one does not render.
template <typename Resources>
bool add_resources(std::string& out, const char* key, const Resources& resources, std::string& error) {
  out += ",\n  ";
  out += json_string(key);
  out += ": [";
  pb::util::JsonPrintOptions options;
  for (size_t i = 0; i < resources.size(); ++i) {
    typename Resources::value_type copy = resources[i];
    redact_secrets(copy);
    std::string json;
    if (auto status = pb::util::MessageToJsonString(copy, &json, options); !status.ok()) {
      error = std::string(key) + "[" + std::to_string(i) + "]: " + std::string(status.message());
      return false;
    }
    out += i ? ",\n    " : "\n    ";
    out += json;
  }
  out += resources.empty() ? "]" : "\n  ]";
  return true;
}

Response json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = kJson;
  r.body = std::move(body);
  return r;
}

Response snapshot(const serve::ControlLoop& loop, const Request& request) {
  auto param = request.query.find("gateway");
  if (param == request.query.end())
    return {400, "text/plain; charset=utf-8", "missing query parameter: gateway=NAMESPACE/NAME\n"};
  const auto ref = gateway_ref(param->second);
  if (!ref) return {400, "text/plain; charset=utf-8", "malformed gateway, expected NAMESPACE/NAME\n"};
  const auto output = loop.snapshot(*ref);
  if (!output) return {404, "text/plain; charset=utf-8", "gateway " + param->second + " is not translated\n"};

  std::string out = "{\n  \"gateway\": " + json_string(param->second);
  std::string error;
  const bool ok = add_resources(out, "listeners", output->listeners.get(), error) &&
                  add_resources(out, "routes", output->routes.get(), error) &&
                  add_resources(out, "clusters", output->clusters.get(), error) &&
                  add_resources(out, "extraClusters", output->extra_clusters.get(), error) &&
                  add_resources(out, "endpoints", output->endpoints.get(), error);
  if (!ok) return {500, "text/plain; charset=utf-8", "cannot render the snapshot: " + error + "\n"};
  out += "\n}\n";
  return json(200, std::move(out));
}

// The errors of one manifest file, as its file in the status directory holds them.
sdk::Value errors_value(const std::string& file, const std::vector<sources::ParseError>& errors) {
  sdk::Value::List list;
  for (const auto& e : errors) {
    sdk::Value item{sdk::Value::Map{}};
    if (e.mark.line) {
      item.set("line", static_cast<int64_t>(e.mark.line));
      item.set("column", static_cast<int64_t>(e.mark.column));
    }
    if (!e.path.empty()) item.set("path", e.path);
    item.set("message", e.message);
    list.push_back(std::move(item));
  }
  sdk::Value v{sdk::Value::Map{}};
  v.set("file", file);
  v.set("errors", std::move(list));
  return v;
}

// The status directory as one document: the merged statuses by section, and the files with
// errors under the section named like its directory. The golden format's JSON writer renders it
// (keys sorted), so this is what `kgw translate -o json` shows under `Statuses`.
Response status(const serve::ControlLoop& loop) {
  translator::Output doc;
  for (auto& [section, objects] : loop.statuses())
    for (auto& [key, status] : objects) doc.statuses[section].emplace(key, std::move(status));
  for (const auto& [file, errors] : loop.file_errors())
    if (!errors.empty()) doc.statuses[serve::kErrorsDirectory][file] = errors_value(file, errors);
  return json(200, translator::render_golden(doc, translator::Format::Json));
}

}  // namespace

bool redact_secrets(pb::Message& message) {
  if (message.GetDescriptor()->full_name() == "google.protobuf.Any") return redact_any(message);
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  bool changed = false;
  for (const pb::FieldDescriptor* f : fields) {
    const bool secret = sensitive(f->name());
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      if (!secret) continue;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i)
          if (r->GetRepeatedString(message, f, i) != kRedacted) {
            r->SetRepeatedString(&message, f, i, kRedacted);
            changed = true;
          }
      } else if (r->GetString(message, f) != kRedacted) {
        r->SetString(&message, f, kRedacted);
        changed = true;
      }
    } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      auto visit = [&](pb::Message& m) {
        if (secret && redact_inline(m)) changed = true;
        if (redact_secrets(m)) changed = true;
      };
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i) visit(*r->MutableRepeatedMessage(&message, f, i));
      } else {
        visit(*r->MutableMessage(&message, f));
      }
    }
  }
  return changed;
}

void add_serve_routes(AdminServer& server, const serve::ControlLoop& loop, metrics::Registry& metrics) {
  server.handle("/healthz", [](const Request&) { return Response{200, "text/plain; charset=utf-8", "ok"}; });
  server.handle("/readyz", [&loop](const Request&) {
    return loop.ready() ? Response{200, "text/plain; charset=utf-8", "ready"}
                        : Response{503, "text/plain; charset=utf-8", "not ready"};
  });
  server.handle("/metrics", [&metrics](const Request&) {
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
  });
  server.handle("/debug/snapshot", [&loop](const Request& r) { return snapshot(loop, r); });
  server.handle("/debug/status", [&loop](const Request&) { return status(loop); });
}

}  // namespace kgw::admin
