// Encoding of discovery responses straight from snapshot bytes.
//
// A response is a list of chunks: small header pieces built per response, and the shared bytes
// of each resource's Any. The transport hands the shared chunks to gRPC by reference, so a
// resource sent to a thousand streams is serialized once and never copied per stream.
#pragma once

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
  std::vector<snapshot::ResourcePtr> resources;
  std::vector<std::string> removed;  // delta only
};

struct Chunk {
  std::string bytes;             // used when `shared` is null
  snapshot::ResourcePtr shared;  // the resource's Any bytes
  std::string_view view() const { return shared ? std::string_view(shared->any) : std::string_view(bytes); }
};

// DiscoveryResponse or DeltaDiscoveryResponse wire bytes, in chunks.
std::vector<Chunk> encode(const Response& response);

// The chunks joined (tests, and transports that cannot share).
std::string flatten(const std::vector<Chunk>& chunks);

}  // namespace kgw::xds
