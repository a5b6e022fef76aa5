// The xDS protocol of one stream, apart from any transport: requests and snapshots in, responses
// out. Generic over type URLs; the protocol is state of the world (SotW) or incremental (delta).
//
// Semantics (Envoy's xDS protocol documentation):
// - every response carries a nonce unique in the stream; a request echoing the latest nonce of
//   its type is an ACK, or a NACK when it carries error_detail; a SotW request with an older
//   nonce is stale and ignored; a delta request's subscription changes always apply;
// - a NACKed version is not sent again: the client keeps its last accepted state until the
//   snapshot changes;
// - wildcard types (LDS, CDS) subscribe to everything when the first request names nothing, or
//   when it names "*"; other types only to the names asked for, including names that do not
//   exist yet, which are sent when they appear;
// - a resource whose version the client already has is never sent again; delta streams get
//   removals, and a reconnecting delta client's initial_resource_versions count as held;
// - on a snapshot change, clusters and endpoints that are added go out before the listeners and
//   routes that may use them, and clusters are removed only after the listeners and routes.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "envoy/service/discovery/v3/discovery.pb.h"
#include "snapshot/snapshot.h"
#include "xds/wire.h"

namespace kgw::xds {

enum class Protocol { kSotw, kDelta };

// A NACK, or (recovered) the first ACK of a type after a NACK.
struct Nack {
  std::string type_url;
  std::string message;     // the client's error_detail message
  bool first_time = true;  // false when the same message was reported for this type before
  bool recovered = false;  // an ACK: the client accepted this type again
};

class Session {
 public:
  // `wildcard_types`: the type URLs a client may subscribe to as a whole (outlives the session).
  // `proxyless`: the stream is served the proxyless view of snapshots.
  Session(Protocol protocol, const std::set<std::string, std::less<>>& wildcard_types, bool proxyless);

  Protocol protocol() const { return protocol_; }

  // A new snapshot of the stream's Gateway: the responses that bring the client up to date, for
  // every type it asked for, in push order. The first call only sets the snapshot when no type
  // was asked for yet.
  std::vector<Response> on_snapshot(snapshot::SnapshotPtr snapshot);
  const snapshot::SnapshotPtr& snapshot() const { return snapshot_; }

  // A request: returns the responses to send, in order, and the NACK it carried, if any.
  std::vector<Response> on_request(const envoy::service::discovery::v3::DiscoveryRequest& request,
                                   std::optional<Nack>& nack);
  // The same, with the request's resource_names given apart (`request`'s own are ignored): an
  // ACK's names read in place from its bytes.
  std::vector<Response> on_request(const envoy::service::discovery::v3::DiscoveryRequest& request,
                                   std::span<const std::string_view> resource_names, std::optional<Nack>& nack);
  std::vector<Response> on_request(const envoy::service::discovery::v3::DeltaDiscoveryRequest& request,
                                   std::optional<Nack>& nack);

 private:
  // What a stream knows of one type. Kept small: the resource and name sets are shared with the
  // snapshot and with other streams in the same state.
  struct TypeState {
    bool requested = false;
    bool wildcard = false;
    bool legacy_wildcard = false;  // SotW: wildcard by naming nothing, which later empty requests keep
    snapshot::NameSetPtr names = snapshot::intern_names({});
    // SotW: the last response's resources. Delta: what the client holds, when that is a set we
    // sent; otherwise `held_versions` (a reconnecting client's versions, or a partial state).
    snapshot::ResourceSetPtr held;
    std::optional<std::map<std::string, std::string, std::less<>>> held_versions;
    bool responded = false;
    std::string nonce;                                // of the latest response of this type
    std::set<uint64_t> unanswered;                    // delta: nonces of responses not ACKed or NACKed yet
    std::set<std::string, std::less<>> missing_told;  // delta: names said not to exist
    std::string last_nack;
    // The type's snapshot version when the client was last brought up to date with it; while it
    // and the subscription stay the same, a new snapshot needs nothing for this type.
    std::string synced_version;
  };
  enum class Mode { kFull, kNoRemovals };

  std::optional<Response> respond(const std::string& type_url, TypeState& state, Mode mode);
  std::optional<Response> respond_sotw(const std::string& type_url, TypeState& state, Mode mode);
  std::optional<Response> respond_delta(const std::string& type_url, TypeState& state, Mode mode);
  std::optional<Nack> check_nack(TypeState& state, const std::string& type_url, const std::string& nonce,
                                 const google::rpc::Status* error);
  std::string next_nonce();
  const snapshot::TypeResources* resources(std::string_view type_url) const;

  Protocol protocol_;
  const std::set<std::string, std::less<>>* wildcard_types_;
  bool proxyless_;
  snapshot::SnapshotPtr snapshot_;
  const snapshot::View* view_ = nullptr;
  std::map<std::string, TypeState, std::less<>> types_;
  uint64_t nonce_counter_ = 0;
};

}  // namespace kgw::xds
