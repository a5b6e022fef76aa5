#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace kgw::metrics {
namespace {

static_assert(std::atomic<double>::is_always_lock_free, "updates must not take a lock");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "updates must not take a lock");

void atomic_add(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

bool valid_name(const std::string& name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Sorted by name, so the same set in any order is the same series; names checked.
Labels canonical(const Labels& labels, bool histogram) {
  Labels out = labels;
  std::sort(out.begin(), out.end());
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string& name = out[i].first;
    if (!valid_name(name, false) || name.starts_with("__"))
      throw std::invalid_argument("invalid metric label name \"" + name + "\"");
    if (histogram && name == "le") throw std::invalid_argument("label \"le\" is reserved for histogram buckets");
    if (i > 0 && out[i - 1].first == name) throw std::invalid_argument("duplicate metric label \"" + name + "\"");
  }
  return out;
}

std::string escape_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_label_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// `{a="1",b="2"}`, with `extra` (a histogram's le) last; empty when there are no labels.
std::string label_text(const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (extra) add(extra->first, extra->second);
  out += '}';
  return out;
}

void sample(std::string& out, const std::string& name, const std::string& labels, const std::string& value) {
  out += name;
  out += labels;
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

void Counter::inc(double v) {
  if (!(v >= 0)) return;  // also drops NaN: a counter never goes down
  atomic_add(value_, v);
}

void Gauge::add(double v) { atomic_add(value_, v); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // The first bucket whose bound is >= v; NaN lands in +Inf.
  const size_t i = std::isnan(v)
                       ? bounds_.size()
                       : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Type type) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
  auto [it, inserted] = families_.try_emplace(name, Family{type, help, {}, {}, {}, {}});
  if (!inserted && it->second.type != type)
    throw std::invalid_argument("metric \"" + name + "\" is already registered with another type");
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  Labels key = canonical(labels, false);
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, Type::Counter).counters[std::move(key)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  Labels key = canonical(labels, false);
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, Type::Gauge).gauges[std::move(key)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                               const Labels& labels) {
  for (double b : buckets)
    if (std::isnan(b)) throw std::invalid_argument("metric \"" + name + "\": NaN bucket bound");
  std::erase_if(buckets, [](double b) { return std::isinf(b) && b > 0; });
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  Labels key = canonical(labels, true);

  std::lock_guard lock(mu_);
  Family& f = family(name, help, Type::Histogram);
  if (f.histograms.empty())
    f.buckets = buckets;
  else if (f.buckets != buckets)
    throw std::invalid_argument("histogram \"" + name + "\" is already registered with other buckets");
  auto& slot = f.histograms[std::move(key)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(buckets));
  return *slot;
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    switch (f.type) {
      case Type::Counter:
        out += "# TYPE " + name + " counter\n";
        for (const auto& [labels, c] : f.counters) sample(out, name, label_text(labels), format_value(c->value()));
        break;
      case Type::Gauge:
        out += "# TYPE " + name + " gauge\n";
        for (const auto& [labels, g] : f.gauges) sample(out, name, label_text(labels), format_value(g->value()));
        break;
      case Type::Histogram:
        out += "# TYPE " + name + " histogram\n";
        for (const auto& [labels, h] : f.histograms) {
          // Count from the buckets, not count(): observe() may be between its two increments, and
          // the +Inf bucket must equal _count.
          const std::vector<uint64_t> counts = h->bucket_counts();
          uint64_t cumulative = 0;
          for (size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            const std::pair<std::string, std::string> le{
                "le", i < h->bounds().size() ? format_value(h->bounds()[i]) : std::string("+Inf")};
            sample(out, name + "_bucket", label_text(labels, &le), std::to_string(cumulative));
          }
          sample(out, name + "_sum", label_text(labels), format_value(h->sum()));
          sample(out, name + "_count", label_text(labels), std::to_string(cumulative));
        }
        break;
    }
  }
  return out;
}

Registry& default_registry() {
  static Registry* registry = new Registry();  // never destroyed: threads may update it at exit
  return *registry;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Counts print as integers ("1000000", not "1e+06"); the rest in the shortest %g form, as the
  // Go client does.
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

}  // namespace kgw::metrics
