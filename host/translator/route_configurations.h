// The route configurations of a translation output. They hold most of an output's bytes, and a
// change to one route leaves nearly all of their virtual hosts as they were; so a virtual host can
// be borrowed: shared, read-only, by the outputs of successive translations instead of copied into
// each (the translation memo lends them).
//
// Each configuration lives on this container's arena; a borrowed virtual host lives on its own
// arena (new_virtual_host), kept alive by the containers that borrow it, and its configuration's
// arena never frees it.
// Nothing may change a borrowed virtual host or clear the list that holds it. A copy of the
// container is deep: it owns every virtual host it holds.
#pragma once

#include <google/protobuf/arena.h>

#include <algorithm>
#include <boost/iterator/indirect_iterator.hpp>
#include <memory>
#include <vector>

#include "envoy/config/route/v3/route.pb.h"

namespace kgw::translator {

class RouteConfigurations {
 public:
  using value_type = envoy::config::route::v3::RouteConfiguration;
  using size_type = size_t;
  using iterator = boost::indirect_iterator<std::vector<value_type*>::const_iterator, value_type>;
  using const_iterator = boost::indirect_iterator<std::vector<value_type*>::const_iterator, const value_type>;

  RouteConfigurations() : arena_(std::make_unique<google::protobuf::Arena>(arena_options())) {}
  RouteConfigurations(const RouteConfigurations& other) : RouteConfigurations() {
    for (const auto& rc : other) push_back(rc);
  }
  RouteConfigurations& operator=(const RouteConfigurations& other) {
    if (this != &other) *this = RouteConfigurations(other);
    return *this;
  }
  RouteConfigurations(RouteConfigurations&&) noexcept = default;
  RouteConfigurations& operator=(RouteConfigurations&& other) noexcept {
    // The configurations go before the arena they live on, and before the hosts they borrow.
    items_ = std::move(other.items_);
    borrowed_ = std::move(other.borrowed_);
    arena_ = std::move(other.arena_);
    return *this;
  }

  size_type size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const_iterator begin() const { return const_iterator(items_.cbegin()); }
  const_iterator end() const { return const_iterator(items_.cend()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  iterator begin() { return iterator(items_.cbegin()); }
  iterator end() { return iterator(items_.cend()); }
  const value_type& operator[](size_type i) const { return *items_[i]; }
  value_type& operator[](size_type i) { return *items_[i]; }
  const value_type& at(size_type i) const { return *items_.at(i); }
  value_type& at(size_type i) { return *items_.at(i); }
  const value_type& front() const { return *items_.front(); }
  const value_type& back() const { return *items_.back(); }

  value_type& emplace_back() { return *items_.emplace_back(make()); }
  void push_back(const value_type& rc) { make_in_place()->CopyFrom(rc); }
  void push_back(value_type&& rc) { make_in_place()->CopyFrom(rc); }
  void pop_back() { items_.pop_back(); }  // its memory stays on the arena until the container goes
  void clear() { *this = RouteConfigurations(); }
  template <typename Compare>
  void sort(Compare less) {
    std::sort(items_.begin(), items_.end(), [&](const value_type* a, const value_type* b) { return less(*a, *b); });
  }

  // A virtual host to build and then lend: on its own arena, which goes with the last holder. An
  // arena makes building its many small messages cheap and dropping them free. It may borrow
  // routes of `lender` (UnsafeArenaAddAllocated), which it keeps alive.
  static std::shared_ptr<envoy::config::route::v3::VirtualHost> new_virtual_host(
      std::shared_ptr<const envoy::config::route::v3::VirtualHost> lender = nullptr) {
    struct OnArena {
      google::protobuf::Arena arena{arena_options()};
      std::shared_ptr<const envoy::config::route::v3::VirtualHost> lender;
    };
    auto holder = std::make_shared<OnArena>();
    holder->lender = std::move(lender);
    auto* host = google::protobuf::Arena::CreateMessage<envoy::config::route::v3::VirtualHost>(&holder->arena);
    return {holder, host};
  }

  // Appends `host` to `rc` (a configuration of this container) without copying it.
  void borrow_virtual_host(value_type& rc, std::shared_ptr<const envoy::config::route::v3::VirtualHost> host) {
    rc.mutable_virtual_hosts()->UnsafeArenaAddAllocated(
        const_cast<envoy::config::route::v3::VirtualHost*>(host.get()));  // never written: see above
    borrowed_.push_back(std::move(host));
  }
  size_t borrowed() const { return borrowed_.size(); }

 private:
  static google::protobuf::ArenaOptions arena_options() {
    google::protobuf::ArenaOptions options;
    options.max_block_size = 64 * 1024;  // a virtual host of thousands of routes takes megabytes
    return options;
  }
  value_type* make() { return google::protobuf::Arena::CreateMessage<value_type>(arena_.get()); }
  value_type* make_in_place() { return items_.emplace_back(make()); }

  std::unique_ptr<google::protobuf::Arena> arena_;
  std::vector<value_type*> items_;
  std::vector<std::shared_ptr<const envoy::config::route::v3::VirtualHost>> borrowed_;
};

}  // namespace kgw::translator
