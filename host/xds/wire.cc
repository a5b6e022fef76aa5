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

size_t varint_size(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// A length-delimited field's tag and length; the payload follows.
void put_header(std::string& out, int field, size_t length) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  put_varint(out, length);
}

// The size of a length-delimited field of a field number below 16 (a one-byte tag).
size_t field_size(size_t length) { return 1 + varint_size(length) + length; }

void put_string(std::string& out, int field, std::string_view value) {
  if (value.empty()) return;  // proto3 default: not on the wire
  put_header(out, field, value.size());
  out.append(value);
}

// Field numbers: DiscoveryResponse version_info 1, resources 2, type_url 4, nonce 5;
// DeltaDiscoveryResponse system_version_info 1, resources 2, type_url 4, nonce 5,
// removed_resources 6; Resource version 1, resource 2, name 3.

// A resource (or a part of one) this large is referenced by the encodings, not copied into them.
constexpr size_t kCopiedUpTo = 16 * 1024;

// The fields of a delta Resource: name, version and the Any.
size_t delta_fields_size(const snapshot::Resource& r, size_t any_size) {
  return (r.name.empty() ? 0 : field_size(r.name.size())) + (r.version.empty() ? 0 : field_size(r.version.size())) +
         field_size(any_size);
}

// The resources' part of a DiscoveryResponse (each resource's Any) or of a DeltaDiscoveryResponse
// (a Resource each: name, version and the Any).
snapshot::EncodingPtr encode_resources(const std::vector<snapshot::ResourcePtr>& resources, bool delta) {
  auto encoding = std::make_shared<snapshot::Encoding>();
  std::vector<size_t> sizes;
  sizes.reserve(resources.size());
  size_t copied = 0;
  for (const auto& r : resources) {
    sizes.push_back(r->size());
    const size_t framed = delta ? field_size(delta_fields_size(*r, sizes.back())) : field_size(sizes.back());
    size_t referenced = 0;
    r->for_each_piece([&](std::string_view piece) {
      if (piece.size() > kCopiedUpTo) referenced += piece.size();
    });
    copied += framed - referenced;
  }
  // In order: a piece of `made` (by index, its strings still move) or a referenced resource's bytes.
  std::vector<std::pair<size_t, std::string_view>> layout;
  constexpr size_t kReferenced = SIZE_MAX;
  std::string current;
  current.reserve(copied);
  for (size_t i = 0; i < resources.size(); ++i) {
    const auto& r = resources[i];
    if (delta) {
      put_header(current, 2, delta_fields_size(*r, sizes[i]));
      put_string(current, 3, r->name);
      put_string(current, 1, r->version);
    }
    put_header(current, 2, sizes[i]);
    bool referenced = false;
    r->for_each_piece([&](std::string_view piece) {
      if (piece.size() <= kCopiedUpTo) {
        current.append(piece);
        return;
      }
      encoding->made.push_back(std::move(current));
      layout.emplace_back(encoding->made.size() - 1, std::string_view());
      current = std::string();
      layout.emplace_back(kReferenced, piece);
      referenced = true;
    });
    if (referenced) encoding->referenced.push_back(r);
  }
  if (!current.empty()) {
    encoding->made.push_back(std::move(current));
    layout.emplace_back(encoding->made.size() - 1, std::string_view());
  }
  // Views of `made` only now: its strings no longer move.
  for (const auto& [made, view] : layout) {
    const std::string_view piece = made == kReferenced ? view : std::string_view(encoding->made[made]);
    if (!piece.empty()) encoding->pieces.push_back(piece);
  }
  return encoding;
}

snapshot::EncodingPtr sotw_resources(const std::vector<snapshot::ResourcePtr>& resources) {
  return encode_resources(resources, false);
}

snapshot::EncodingPtr delta_resources(const std::vector<snapshot::ResourcePtr>& resources) {
  return encode_resources(resources, true);
}

}  // namespace

std::vector<Chunk> encode(const Response& response) {
  std::vector<Chunk> chunks;
  std::string head;
  size_t head_size = response.version.size() + response.type_url.size() + response.nonce.size() + 16;
  if (response.delta)
    for (const auto& name : response.removed) head_size += field_size(name.size());
  head.reserve(head_size);
  put_string(head, 1, response.version);
  put_string(head, 4, response.type_url);
  put_string(head, 5, response.nonce);
  if (response.delta)
    for (const auto& name : response.removed) {
      put_header(head, 6, name.size());
      head.append(name);
    }
  chunks.push_back(Chunk{std::move(head), nullptr, {}});
  if (response.resources && !response.resources->empty()) {
    const auto encoding =
        response.resources->encoded(response.delta ? 1 : 0, response.delta ? &delta_resources : &sotw_resources);
    for (const auto& piece : encoding->pieces) chunks.push_back(Chunk{{}, encoding, piece});
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
