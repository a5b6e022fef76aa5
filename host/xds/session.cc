#include "xds/session.h"

#include <algorithm>

namespace kgw::xds {

Session::Session(Protocol protocol, std::set<std::string, std::less<>> wildcard_types, bool proxyless)
    : protocol_(protocol), wildcard_types_(std::move(wildcard_types)), proxyless_(proxyless) {}

std::string Session::next_nonce() { return std::to_string(++nonce_counter_); }

const snapshot::TypeResources* Session::resources(std::string_view type_url) const {
  return view_ ? view_->type(type_url) : nullptr;
}

std::vector<std::string> Session::requested_types() const {
  std::vector<std::string> out;
  for (const auto& [type, state] : types_)
    if (state.requested) out.push_back(type);
  return out;
}

size_t Session::held(std::string_view type_url) const {
  auto it = types_.find(type_url);
  return it == types_.end() ? 0 : it->second.held.size();
}

std::vector<std::string> Session::push_order() const {
  std::vector<std::string> order = snapshot::envoy_types();
  for (const auto& [type, state] : types_)
    if (std::find(order.begin(), order.end(), type) == order.end()) order.push_back(type);
  return order;
}

std::vector<Response> Session::on_snapshot(snapshot::SnapshotPtr snapshot) {
  snapshot_ = std::move(snapshot);
  view_ = snapshot_ ? (proxyless_ ? &snapshot_->proxyless : &snapshot_->envoy) : nullptr;
  std::vector<Response> out;
  auto push = [&](const std::string& type, Mode mode) {
    auto it = types_.find(type);
    if (it == types_.end()) return;
    if (auto response = respond(type, it->second, mode)) out.push_back(std::move(*response));
  };
  // Additions first: clusters and endpoints, keeping the clusters that go until nothing uses them.
  const std::string cds(snapshot::kClusterType), eds(snapshot::kEndpointType);
  push(cds, Mode::kNoRemovals);
  push(eds, Mode::kNoRemovals);
  for (const auto& type : push_order())
    if (type != cds && type != eds) push(type, Mode::kFull);
  // Then the removals of clusters and their endpoints.
  push(cds, Mode::kFull);
  push(eds, Mode::kFull);
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
  nack.reset();
  TypeState& state = types_[request.type_url()];
  // A response crossed this request on the wire; the client answers that one next.
  if (!request.response_nonce().empty() && request.response_nonce() != state.nonce) return {};
  nack = check_nack(state, request.type_url(), request.response_nonce(),
                    request.has_error_detail() ? &request.error_detail() : nullptr);

  const bool first = !state.requested;
  state.requested = true;
  std::set<std::string, std::less<>> names(request.resource_names().begin(), request.resource_names().end());
  if (wildcard_types_.contains(request.type_url())) {
    if (names.erase("*"))
      state.wildcard = true;
    else  // the legacy wildcard: a first request naming nothing, and later ones as long as they name nothing
      state.wildcard = names.empty() && (first || state.wildcard);
  }
  state.names = std::move(names);
  state.synced_version.clear();
  std::vector<Response> out;
  if (auto response = respond(request.type_url(), state, Mode::kFull)) out.push_back(std::move(*response));
  return out;
}

std::vector<Response> Session::on_request(const envoy::service::discovery::v3::DeltaDiscoveryRequest& request,
                                          std::optional<Nack>& nack) {
  nack.reset();
  TypeState& state = types_[request.type_url()];
  // Only a request echoing the latest nonce acknowledges; subscription changes apply regardless.
  if (!request.response_nonce().empty() && request.response_nonce() == state.nonce)
    nack = check_nack(state, request.type_url(), request.response_nonce(),
                      request.has_error_detail() ? &request.error_detail() : nullptr);

  const bool first = !state.requested;
  state.requested = true;
  if (first) {
    for (const auto& [name, version] : request.initial_resource_versions()) state.held[name] = {version, nullptr};
    if (request.resource_names_subscribe().empty() && wildcard_types_.contains(request.type_url()))
      state.wildcard = true;
  }
  for (const auto& name : request.resource_names_subscribe()) {
    if (name == "*")
      state.wildcard = true;
    else
      state.names.insert(name);
  }
  for (const auto& name : request.resource_names_unsubscribe()) {
    if (name == "*") {
      state.wildcard = false;
      continue;
    }
    state.names.erase(name);
    state.missing_told.erase(name);
    if (!state.wildcard) state.held.erase(name);
  }
  state.synced_version.clear();
  if (!state.wildcard)  // what the client holds but no longer asks for is no longer tracked
    std::erase_if(state.held, [&](const auto& entry) { return !state.names.contains(entry.first); });

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

std::optional<Response> Session::respond_sotw(const std::string& type_url, TypeState& state, Mode mode) {
  const snapshot::TypeResources* available = resources(type_url);
  std::map<std::string, TypeState::Held, std::less<>> desired;
  if (available) {
    if (state.wildcard) {
      for (const auto& [name, resource] : available->resources) desired[name] = {resource->version, resource};
    } else {
      for (const auto& name : state.names)
        if (const auto it = available->resources.find(name); it != available->resources.end())
          desired[name] = {it->second->version, it->second};
    }
  }
  if (mode == Mode::kNoRemovals)
    for (const auto& [name, held] : state.held)
      if (held.resource) desired.emplace(name, held);

  // Wildcard-capable types (LDS, CDS) are whole states: a resource left out is deleted, so a
  // disappearance is news. For the others, leaving a resource out says nothing.
  const bool whole_state = wildcard_types_.contains(type_url);
  auto same_version = [](const auto& a, const auto& b) {
    return a.first == b.first && a.second.version == b.second.version;
  };
  bool same;
  if (whole_state) {
    same = desired.size() == state.held.size() &&
           std::equal(desired.begin(), desired.end(), state.held.begin(), same_version);
  } else {
    same = std::all_of(desired.begin(), desired.end(), [&](const auto& entry) {
      const auto it = state.held.find(entry.first);
      return it != state.held.end() && it->second.version == entry.second.version;
    });
  }
  if (same && state.responded) {
    if (!whole_state) state.held = std::move(desired);  // forget what left, without a response
    return std::nullopt;
  }

  Response response;
  response.type_url = type_url;
  std::string versions;
  for (const auto& [name, held] : desired) {
    versions.append(name).push_back('\0');
    versions.append(held.version).push_back('\n');
    response.resources.push_back(held.resource);
  }
  response.version = snapshot::content_hash(versions);
  response.nonce = next_nonce();
  state.held = std::move(desired);
  state.responded = true;
  state.nonce = response.nonce;
  return response;
}

std::optional<Response> Session::respond_delta(const std::string& type_url, TypeState& state, Mode mode) {
  const snapshot::TypeResources* available = resources(type_url);
  Response response;
  response.delta = true;
  response.type_url = type_url;
  auto offer = [&](const std::string& name, const snapshot::ResourcePtr& resource) {
    auto& held = state.held[name];
    if (held.version == resource->version) return;
    held = {resource->version, resource};
    state.missing_told.erase(name);
    response.resources.push_back(resource);
  };
  if (available) {
    if (state.wildcard) {
      for (const auto& [name, resource] : available->resources) offer(name, resource);
    } else {
      for (const auto& name : state.names)
        if (const auto it = available->resources.find(name); it != available->resources.end()) offer(name, it->second);
    }
  }
  if (mode == Mode::kFull) {
    for (auto it = state.held.begin(); it != state.held.end();) {
      if (available && available->resources.contains(it->first)) {
        ++it;
        continue;
      }
      response.removed.push_back(it->first);
      it = state.held.erase(it);
    }
    // Names asked for that do not exist: said once, so the client need not wait for a timeout.
    for (const auto& name : state.names) {
      const bool exists = available && available->resources.contains(name);
      if (!exists && !state.missing_told.contains(name) &&
          std::find(response.removed.begin(), response.removed.end(), name) == response.removed.end()) {
        response.removed.push_back(name);
        state.missing_told.insert(name);
      } else if (!exists) {
        state.missing_told.insert(name);
      }
    }
  }
  if (response.resources.empty() && response.removed.empty() && state.responded) return std::nullopt;
  response.nonce = next_nonce();
  state.responded = true;
  state.nonce = response.nonce;
  return response;
}

}  // namespace kgw::xds
