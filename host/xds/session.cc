#include "xds/session.h"

#include <algorithm>
#include <charconv>

namespace kgw::xds {

Session::Session(Protocol protocol, const std::set<std::string, std::less<>>& wildcard_types, bool proxyless)
    : protocol_(protocol), wildcard_types_(&wildcard_types), proxyless_(proxyless) {}

std::string Session::next_nonce() { return std::to_string(++nonce_counter_); }

const snapshot::TypeResources* Session::resources(std::string_view type_url) const {
  return view_ ? view_->type(type_url) : nullptr;
}

std::vector<Response> Session::on_snapshot(snapshot::SnapshotPtr snapshot) {
  snapshot_ = std::move(snapshot);
  view_ = snapshot_ ? (proxyless_ ? &snapshot_->proxyless() : &snapshot_->envoy) : nullptr;
  std::vector<Response> out;
  auto push = [&](std::string_view type, Mode mode) {
    auto it = types_.find(type);
    if (it == types_.end()) return;
    if (auto response = respond(it->first, it->second, mode)) out.push_back(std::move(*response));
  };
  // Additions first: clusters and endpoints, keeping the clusters that go until nothing uses them.
  push(snapshot::kClusterType, Mode::kNoRemovals);
  push(snapshot::kEndpointType, Mode::kNoRemovals);
  // Then listeners and routes, and any other type (Envoy's first, then by type URL).
  const auto& envoy = snapshot::envoy_types();
  for (const auto& type : envoy)
    if (type != snapshot::kClusterType && type != snapshot::kEndpointType) push(type, Mode::kFull);
  for (auto& [type, state] : types_)
    if (std::find(envoy.begin(), envoy.end(), type) == envoy.end())
      if (auto response = respond(type, state, Mode::kFull)) out.push_back(std::move(*response));
  // Then the removals of clusters and their endpoints.
  push(snapshot::kClusterType, Mode::kFull);
  push(snapshot::kEndpointType, Mode::kFull);
  return out;
}

std::optional<Nack> Session::check_nack(TypeState& state, const std::string& type_url, const std::string& nonce,
                                        const google::rpc::Status* error) {
  if (!error) {
    if (nonce.empty() || state.last_nack.empty()) return std::nullopt;
    state.last_nack.clear();
    return Nack{type_url, {}, false, true};
  }
  Nack nack{type_url, error->message(), error->message() != state.last_nack};
  state.last_nack = error->message();
  return nack;
}

std::vector<Response> Session::on_request(const envoy::service::discovery::v3::DiscoveryRequest& request,
                                          std::optional<Nack>& nack) {
  const std::vector<std::string_view> names(request.resource_names().begin(), request.resource_names().end());
  return on_request(request, names, nack);
}

std::vector<Response> Session::on_request(const envoy::service::discovery::v3::DiscoveryRequest& request,
                                          std::span<const std::string_view> requested, std::optional<Nack>& nack) {
  nack.reset();
  TypeState& state = types_[request.type_url()];
  // A response crossed this request on the wire; the client answers that one next.
  if (!request.response_nonce().empty() && request.response_nonce() != state.nonce) return {};
  nack = check_nack(state, request.type_url(), request.response_nonce(),
                    request.has_error_detail() ? &request.error_detail() : nullptr);

  const bool first = !state.requested;
  state.requested = true;
  const bool star = std::find(requested.begin(), requested.end(), "*") != requested.end();
  const bool was_wildcard = state.wildcard;
  if (wildcard_types_->contains(request.type_url())) {
    // An explicit "*" subscribes to everything; so does a first request naming nothing (the legacy
    // wildcard), and later ones keep it as long as they name nothing. After an explicit "*", an
    // empty request unsubscribes from everything.
    state.legacy_wildcard = !star && requested.empty() && (first || state.legacy_wildcard);
    state.wildcard = star || state.legacy_wildcard;
  }
  // ACKs repeat the names (thousands for EDS): compared in place, and otherwise looked up among
  // the known name sets without copying them.
  bool same_names = !star && requested.size() == state.names->names.size() &&
                    std::equal(requested.begin(), requested.end(), state.names->names.begin());
  if (!same_names) {
    std::vector<std::string_view> names;
    names.reserve(requested.size());
    for (const auto& name : requested)
      if (name != "*") names.push_back(name);
    auto interned = snapshot::intern_names(std::move(names));
    same_names = interned == state.names;  // the same names in another order
    state.names = std::move(interned);
  }
  if (first || !same_names || state.wildcard != was_wildcard) state.synced_version.clear();
  std::vector<Response> out;
  if (auto response = respond(request.type_url(), state, Mode::kFull)) out.push_back(std::move(*response));
  return out;
}

std::vector<Response> Session::on_request(const envoy::service::discovery::v3::DeltaDiscoveryRequest& request,
                                          std::optional<Nack>& nack) {
  nack.reset();
  TypeState& state = types_[request.type_url()];
  // A request echoing the nonce of a response not answered yet acknowledges it (one change can
  // bring two responses of a type: additions, then removals); subscription changes apply
  // regardless.
  if (!request.response_nonce().empty()) {
    uint64_t nonce = 0;
    const auto& text = request.response_nonce();
    const bool numeric = std::from_chars(text.data(), text.data() + text.size(), nonce).ec == std::errc();
    if (numeric && state.unanswered.erase(nonce)) {
      // The client answers in order: what came before is answered too.
      state.unanswered.erase(state.unanswered.begin(), state.unanswered.lower_bound(nonce));
      nack = check_nack(state, request.type_url(), request.response_nonce(),
                        request.has_error_detail() ? &request.error_detail() : nullptr);
    }
  }

  const bool first = !state.requested;
  state.requested = true;
  if (first) {
    if (!request.initial_resource_versions().empty())
      state.held_versions.emplace(request.initial_resource_versions().begin(),
                                  request.initial_resource_versions().end());
    if (request.resource_names_subscribe().empty() && wildcard_types_->contains(request.type_url()))
      state.wildcard = true;
  }
  if (!request.resource_names_subscribe().empty() || !request.resource_names_unsubscribe().empty()) {
    // The names as views into the current set and the request, both alive through interning: a
    // set another stream asked for already is shared without copying a name.
    const snapshot::NameSetPtr before = state.names;
    std::vector<std::string_view> names(before->names.begin(), before->names.end());
    for (const auto& name : request.resource_names_subscribe()) {
      if (name == "*")
        state.wildcard = true;
      else
        names.push_back(name);
    }
    std::vector<std::string_view> unsubscribed;
    for (const auto& name : request.resource_names_unsubscribe()) {
      if (name == "*") {
        state.wildcard = false;
        continue;
      }
      unsubscribed.push_back(name);
      state.missing_told.erase(name);
    }
    if (!unsubscribed.empty()) {
      std::sort(unsubscribed.begin(), unsubscribed.end());
      std::erase_if(
          names, [&](std::string_view n) { return std::binary_search(unsubscribed.begin(), unsubscribed.end(), n); });
    }
    state.names = snapshot::intern_names(std::move(names));
    // What the client holds but no longer asks for is no longer tracked.
    if (!state.wildcard && !request.resource_names_unsubscribe().empty()) {
      std::map<std::string, std::string, std::less<>> versions;
      if (state.held_versions)
        versions = std::move(*state.held_versions);
      else if (state.held)
        for (const auto& r : state.held->resources()) versions.emplace(r->name, r->version);
      std::erase_if(versions, [&](const auto& entry) { return !state.names->contains(entry.first); });
      state.held_versions = std::move(versions);
      state.held = nullptr;
    }
  }
  state.synced_version.clear();

  std::vector<Response> out;
  if (auto response = respond(request.type_url(), state, Mode::kFull)) out.push_back(std::move(*response));
  return out;
}

std::optional<Response> Session::respond(const std::string& type_url, TypeState& state, Mode mode) {
  if (!state.requested || !view_) return std::nullopt;
  const snapshot::TypeResources* available = resources(type_url);
  const std::string& version = available ? available->version : std::string();
  if (state.responded && !state.synced_version.empty() && state.synced_version == version) return std::nullopt;
  auto response =
      protocol_ == Protocol::kSotw ? respond_sotw(type_url, state, mode) : respond_delta(type_url, state, mode);
  if (mode == Mode::kFull) state.synced_version = version;
  return response;
}

// What the client asks for of a type, as a set shared with the snapshot.
static snapshot::ResourceSetPtr wanted(const snapshot::TypeResources* available, bool wildcard,
                                       const snapshot::NameSetPtr& names) {
  if (!available) return snapshot::empty_resource_set();
  return wildcard ? available->all : available->select(names);
}

std::optional<Response> Session::respond_sotw(const std::string& type_url, TypeState& state, Mode mode) {
  snapshot::ResourceSetPtr desired = wanted(resources(type_url), state.wildcard, state.names);
  // Wildcard-capable types (LDS, CDS) are whole states: a resource left out is deleted, so a
  // disappearance is news. For the others, leaving a resource out says nothing.
  const bool whole_state = wildcard_types_->contains(type_url);
  // Keep what the client has until the users of the resources that go are updated (a set shared
  // by the streams making this step).
  if (mode == Mode::kNoRemovals && whole_state && state.held) desired = desired->keeping(state.held);
  bool same = state.held && (desired == state.held || desired->version() == state.held->version());
  std::optional<snapshot::ResourceSet::Diff> diff;  // shared by the streams making this step
  if (!same && !whole_state && state.held) {
    diff = desired->diff_from(state.held);
    same = diff->changed->empty();
  }
  if (same && state.responded) {
    if (!whole_state) state.held = desired;  // forget what left, without a response
    return std::nullopt;
  }

  Response response;
  response.type_url = type_url;
  // Types other than LDS and CDS need not be whole in a response: after the first, only what
  // changed goes out (one EndpointSlice change sends one load assignment, not all of them).
  response.resources = diff && state.responded ? diff->changed : desired;
  response.version = desired->version();
  response.nonce = next_nonce();
  state.held = std::move(desired);
  state.responded = true;
  state.nonce = response.nonce;
  return response;
}

std::optional<Response> Session::respond_delta(const std::string& type_url, TypeState& state, Mode mode) {
  const snapshot::TypeResources* available = resources(type_url);
  snapshot::ResourceSetPtr desired = wanted(available, state.wildcard, state.names);
  Response response;
  response.delta = true;
  response.type_url = type_url;
  if (state.held_versions) {
    // This stream's own state (a reconnecting client's versions): compared one by one.
    std::vector<snapshot::ResourcePtr> changed;
    for (const auto& r : desired->resources()) {
      auto it = state.held_versions->find(r->name);
      if (it == state.held_versions->end() || it->second != r->version) changed.push_back(r);
    }
    if (changed.size() == desired->size())
      response.resources = desired;
    else if (!changed.empty())
      response.resources = std::make_shared<const snapshot::ResourceSet>(std::move(changed));
    for (const auto& [name, version] : *state.held_versions)
      if (!desired->find(name)) response.removed.push_back(name);
  } else {
    const auto diff = desired->diff_from(state.held);  // shared by the streams making this step
    response.resources = diff.changed;
    response.removed = *diff.removed;
  }
  if (mode == Mode::kNoRemovals && !response.removed.empty()) {
    // The client keeps what goes for now: it holds the new set plus those, at their old versions.
    if (state.held_versions) {
      std::map<std::string, std::string, std::less<>> versions;
      for (const auto& r : desired->resources()) versions.emplace(r->name, r->version);
      for (const auto& name : response.removed) versions.emplace(name, state.held_versions->at(name));
      state.held_versions = std::move(versions);
      state.held = nullptr;
    } else {
      state.held = desired->keeping(state.held);  // shared by the streams making this step
    }
    response.removed.clear();
  } else {
    state.held = desired;
    state.held_versions.reset();
  }
  // Names asked for that do not exist: said once, so the client need not wait for a timeout. When
  // every name exists and none was said missing, there is nothing to look up.
  const size_t present = available ? available->select(state.names)->size() : 0;
  if (mode == Mode::kFull && (present < state.names->names.size() || !state.missing_told.empty())) {
    for (const auto& name : state.names->names) {
      if (available && available->find(name)) {
        state.missing_told.erase(name);
        continue;
      }
      if (state.missing_told.insert(name).second &&
          std::find(response.removed.begin(), response.removed.end(), name) == response.removed.end())
        response.removed.push_back(name);
    }
  }
  if (!state.missing_told.empty())
    for (const auto& r : response.resources->resources()) state.missing_told.erase(r->name);
  if (response.resources->empty() && response.removed.empty() && state.responded) return std::nullopt;
  response.nonce = next_nonce();
  state.responded = true;
  state.nonce = response.nonce;
  state.unanswered.insert(nonce_counter_);
  return response;
}

}  // namespace kgw::xds
