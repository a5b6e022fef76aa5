// A container whose copies share one body until one of them writes: copying a translation output
// to change one part of it (new endpoints, say) leaves the other parts shared with the original
// instead of copying thousands of routes and statuses.
//
// Reads through a const CopyOnWrite never copy. Any non-const access (iteration included) first
// makes the body this object's own, cloning it when another copy shares it; so code that only
// reads should do so through a const reference. Copies may be read from several threads; one
// object must not be written while another thread copies or reads that same object.
#pragma once

#include <memory>
#include <utility>

namespace kgw::translator {

template <typename Container>
class CopyOnWrite {
 public:
  using value_type = typename Container::value_type;
  using size_type = typename Container::size_type;
  using iterator = typename Container::iterator;
  using const_iterator = typename Container::const_iterator;

  CopyOnWrite() : body_(std::make_shared<Container>()) {}
  CopyOnWrite(Container c) : body_(std::make_shared<Container>(std::move(c))) {}  // NOLINT: implicit by design

  const Container& get() const { return *body_; }
  operator const Container&() const { return *body_; }  // NOLINT: reads as the container
  // This object's own body, cloned first when shared.
  Container& mutate() {
    if (body_.use_count() > 1) body_ = std::make_shared<Container>(*body_);
    return *body_;
  }
  friend bool operator==(const CopyOnWrite& a, const CopyOnWrite& b) {
    return a.body_ == b.body_ || *a.body_ == *b.body_;
  }
  // Whether two copies still share their body (for tests and figures).
  bool shares_with(const CopyOnWrite& other) const { return body_ == other.body_; }

  // Reads.
  const_iterator begin() const { return body_->cbegin(); }
  const_iterator end() const { return body_->cend(); }
  const_iterator cbegin() const { return body_->cbegin(); }
  const_iterator cend() const { return body_->cend(); }
  size_type size() const { return body_->size(); }
  bool empty() const { return body_->empty(); }
  decltype(auto) front() const { return body_->front(); }
  decltype(auto) back() const { return body_->back(); }
  template <typename K>
  decltype(auto) operator[](const K& k) const {
    return (*std::as_const(body_))[k];
  }
  template <typename K>
  decltype(auto) at(const K& k) const {
    return std::as_const(*body_).at(k);
  }
  template <typename K>
  const_iterator find(const K& k) const {
    return std::as_const(*body_).find(k);
  }
  template <typename K>
  size_type count(const K& k) const {
    return body_->count(k);
  }
  template <typename K>
  bool contains(const K& k) const {
    return body_->contains(k);
  }

  // Writes.
  iterator begin() { return mutate().begin(); }
  iterator end() { return mutate().end(); }
  decltype(auto) front() { return mutate().front(); }
  decltype(auto) back() { return mutate().back(); }
  template <typename K>
  decltype(auto) operator[](K&& k) {
    return mutate()[std::forward<K>(k)];
  }
  template <typename K>
  decltype(auto) at(const K& k) {
    return mutate().at(k);
  }
  template <typename K>
  iterator find(const K& k) {
    return mutate().find(k);
  }
  template <typename... A>
  decltype(auto) push_back(A&&... a) {
    return mutate().push_back(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) emplace_back(A&&... a) {
    return mutate().emplace_back(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) emplace(A&&... a) {
    return mutate().emplace(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) insert(A&&... a) {
    return mutate().insert(std::forward<A>(a)...);
  }
  template <typename... A>
  decltype(auto) erase(A&&... a) {
    return mutate().erase(std::forward<A>(a)...);
  }
  void pop_back() { mutate().pop_back(); }
  void reserve(size_type n) { mutate().reserve(n); }
  void clear() { mutate().clear(); }

 private:
  std::shared_ptr<Container> body_;
};

}  // namespace kgw::translator
