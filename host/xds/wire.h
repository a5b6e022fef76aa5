// Encoding of discovery responses straight from snapshot bytes.
//
// A response is a small header built per response (version, type URL, nonce, removals), then the
// bytes of its resources, encoded once per resource set and shared by every stream that sends
// that set: runs of small resources copied together, and each large resource's own bytes (so a
// large resource that changes is not copied again). The transport hands the shared chunks to gRPC
// by reference, so a resource sent to a thousand streams is serialized once and never copied per
// stream, and a response costs a stream about the same whatever the number of resources in it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "snapshot/snapshot.h"

namespace kgw::xds {

// One response of a session, before encoding.
struct Response {
  bool delta = false;
  std::string type_url;
  std::string version;  // SotW version_info, delta system_version_info
  std::string nonce;
  snapshot::ResourceSetPtr resources = snapshot::empty_resource_set();
  std::vector<std::string> removed;  // delta only
};

struct Chunk {
  std::string bytes;             // used when `holder` is null
  snapshot::EncodingPtr holder;  // keeps `shared` alive
  std::string_view shared;       // resources' bytes, shared by the streams
  std::string_view view() const { return holder ? shared : std::string_view(bytes); }
};

// DiscoveryResponse or DeltaDiscoveryResponse wire bytes, in chunks.
std::vector<Chunk> encode(const Response& response);

// The chunks joined (tests, and transports that cannot share).
std::string flatten(const std::vector<Chunk>& chunks);

}  // namespace kgw::xds
