// Process metrics in the Prometheus text exposition format (0.0.4).
//
// A Registry owns metric families (one name, one help text, one type) and, in each, one series
// per label set. Looking a series up takes the registry's mutex, so callers look up once and keep
// the reference; updating a series (inc, set, observe) is lock-free and safe from any thread.
//
// Names and label names are checked against the format's grammar, and a name asked for with
// another type (or a histogram with other buckets) is refused: these are programming errors, so
// they throw std::invalid_argument rather than return an error every caller would have to carry.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kgw::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A value that only goes up (events, bytes, errors). Negative increments are ignored.
class Counter {
 public:
  void inc(double v = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (connected clients, resources in a snapshot).
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, sorted; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations per bucket, not cumulative; the last one is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Same name+labels returns the same object; references stay valid for the registry's lifetime.
  // Label order does not matter: {a, b} and {b, a} are one series. The first help text stands.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  // `buckets` are upper bounds in any order; duplicates and +Inf are dropped. Every series of a
  // family has the family's buckets: asking again with other ones throws.
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                       const Labels& labels = {});

  // Prometheus text exposition format 0.0.4: families sorted by name, series by labels.
  std::string render() const;

 private:
  enum class Type { Counter, Gauge, Histogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;  // histograms only
    // Labels sorted by name -> series; unique_ptr keeps references stable.
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };

  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// The process-wide registry that `kgw serve` exposes on /metrics.
Registry& default_registry();

// Buckets for latencies in seconds, 0.5 ms to 10 s in 1-2.5-5 steps.
std::vector<double> latency_buckets();

// A sample value as the format spells it: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_value(double v);

}  // namespace kgw::metrics
