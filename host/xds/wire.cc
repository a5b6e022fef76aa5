#include "xds/wire.h"

namespace kgw::xds {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A length-delimited field's tag and length; the payload follows.
void put_header(std::string& out, int field, size_t length) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  put_varint(out, length);
}

void put_string(std::string& out, int field, std::string_view value) {
  if (value.empty()) return;  // proto3 default: not on the wire
  put_header(out, field, value.size());
  out.append(value);
}

}  // namespace

std::vector<Chunk> encode(const Response& response) {
  std::vector<Chunk> chunks;
  chunks.reserve(response.resources.size() * 2 + 1);
  std::string head;
  // Field numbers: DiscoveryResponse version_info 1, resources 2, type_url 4, nonce 5;
  // DeltaDiscoveryResponse system_version_info 1, resources 2, type_url 4, nonce 5,
  // removed_resources 6; Resource version 1, resource 2, name 3.
  put_string(head, 1, response.version);
  put_string(head, 4, response.type_url);
  put_string(head, 5, response.nonce);
  if (response.delta)
    for (const auto& name : response.removed) {
      put_header(head, 6, name.size());
      head.append(name);
    }
  chunks.push_back(Chunk{std::move(head), nullptr});
  for (const auto& resource : response.resources) {
    const size_t any_size = resource->any.size();
    std::string prefix;
    if (response.delta) {
      std::string fields;
      put_string(fields, 3, resource->name);
      put_string(fields, 1, resource->version);
      put_header(fields, 2, any_size);
      put_header(prefix, 2, fields.size() + any_size);
      prefix.append(fields);
    } else {
      put_header(prefix, 2, any_size);
    }
    chunks.push_back(Chunk{std::move(prefix), nullptr});
    chunks.push_back(Chunk{{}, resource});
  }
  return chunks;
}

std::string flatten(const std::vector<Chunk>& chunks) {
  size_t size = 0;
  for (const auto& c : chunks) size += c.view().size();
  std::string out;
  out.reserve(size);
  for (const auto& c : chunks) out.append(c.view());
  return out;
}

}  // namespace kgw::xds
