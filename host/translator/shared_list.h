// A list whose elements are immutable and shared: copying the list copies pointers, so an output
// that differs from another in a few elements (new load assignments for one Service among
// thousands) shares all the others with it. Reads see the elements; a write replaces an element
// (mutable_at clones one that another list shares).
#pragma once

#include <algorithm>
#include <boost/iterator/indirect_iterator.hpp>
#include <memory>
#include <utility>
#include <vector>

namespace kgw::translator {

template <typename T>
class SharedList {
 public:
  using value_type = T;
  using size_type = size_t;
  using const_iterator = boost::indirect_iterator<typename std::vector<std::shared_ptr<const T>>::const_iterator>;
  using iterator = const_iterator;  // elements are written through mutable_at only

  size_type size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const_iterator begin() const { return const_iterator(items_.cbegin()); }
  const_iterator end() const { return const_iterator(items_.cend()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  const T& operator[](size_type i) const { return *items_[i]; }
  const T& at(size_type i) const { return *items_.at(i); }
  const T& front() const { return *items_.front(); }
  const T& back() const { return *items_.back(); }

  // Element `i`, made this list's own first when another list shares it.
  T& mutable_at(size_type i) {
    if (items_[i].use_count() > 1) items_[i] = std::make_shared<const T>(*items_[i]);
    return const_cast<T&>(*items_[i]);  // this list's alone: see above
  }
  T& emplace_back() {
    auto item = std::make_shared<T>();
    T& out = *item;
    items_.push_back(std::move(item));
    return out;
  }
  void push_back(T item) { items_.push_back(std::make_shared<const T>(std::move(item))); }
  void replace(size_type i, std::shared_ptr<const T> item) { items_[i] = std::move(item); }
  const std::shared_ptr<const T>& shared(size_type i) const { return items_[i]; }
  void pop_back() { items_.pop_back(); }
  void clear() { items_.clear(); }
  void reserve(size_type n) { items_.reserve(n); }
  template <typename Compare>
  void sort(Compare less) {
    std::sort(items_.begin(), items_.end(), [&](const auto& a, const auto& b) { return less(*a, *b); });
  }

 private:
  std::vector<std::shared_ptr<const T>> items_;
};

}  // namespace kgw::translator
