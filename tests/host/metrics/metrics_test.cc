#include "metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace kgw::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, RendersCounterGaugeAndHistogramExactly) {
  Registry r;
  r.counter("kgw_requests_total", "Requests served.", {{"path", "/a\"b\\c\nd"}, {"code", "200"}}).inc(3);
  r.counter("kgw_requests_total", "ignored: the first help stands", {{"code", "500"}, {"path", "/x"}}).inc();
  r.gauge("kgw_clients", "Connected clients,\nby type \\ kind.", {{"type", "envoy"}}).set(2.5);
  Histogram& h = r.histogram("kgw_push_seconds", "Push latency.", {1, 0.1, 0.5}, {{"gateway", "default/gw"}});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: counted in that bucket
  h.observe(0.7);
  h.observe(3);

  EXPECT_EQ(r.render(),
            "# HELP kgw_clients Connected clients,\\nby type \\\\ kind.\n"
            "# TYPE kgw_clients gauge\n"
            "kgw_clients{type=\"envoy\"} 2.5\n"
            "# HELP kgw_push_seconds Push latency.\n"
            "# TYPE kgw_push_seconds histogram\n"
            "kgw_push_seconds_bucket{gateway=\"default/gw\",le=\"0.1\"} 2\n"
            "kgw_push_seconds_bucket{gateway=\"default/gw\",le=\"0.5\"} 2\n"
            "kgw_push_seconds_bucket{gateway=\"default/gw\",le=\"1\"} 3\n"
            "kgw_push_seconds_bucket{gateway=\"default/gw\",le=\"+Inf\"} 4\n"
            "kgw_push_seconds_sum{gateway=\"default/gw\"} 3.85\n"
            "kgw_push_seconds_count{gateway=\"default/gw\"} 4\n"
            "# HELP kgw_requests_total Requests served.\n"
            "# TYPE kgw_requests_total counter\n"
            "kgw_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 3\n"
            "kgw_requests_total{code=\"500\",path=\"/x\"} 1\n");
  EXPECT_EQ(h.count(), 4u);
  EXPECT_DOUBLE_EQ(h.sum(), 3.85);
}

TEST(Metrics, UnlabelledSeriesHaveNoBraces) {
  Registry r;
  r.counter("a_total", "A.").inc(0.5);
  r.gauge("b", "B.").add(-2);
  EXPECT_EQ(r.render(), "# HELP a_total A.\n# TYPE a_total counter\na_total 0.5\n# HELP b B.\n# TYPE b gauge\nb -2\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeriesInAnyLabelOrder) {
  Registry r;
  Counter& a = r.counter("c_total", "C.", {{"x", "1"}, {"y", "2"}});
  Counter& b = r.counter("c_total", "C.", {{"y", "2"}, {"x", "1"}});
  Counter& other = r.counter("c_total", "C.", {{"x", "1"}, {"y", "3"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  Gauge& g = r.gauge("g", "G.");
  EXPECT_EQ(&g, &r.gauge("g", "G."));
  Histogram& h = r.histogram("h", "H.", latency_buckets());
  EXPECT_EQ(&h, &r.histogram("h", "H.", latency_buckets()));
}

TEST(Metrics, CounterIgnoresNegativeIncrementsGaugeGoesBothWays) {
  Registry r;
  Counter& c = r.counter("c_total", "C.");
  c.inc();
  c.inc(-5);
  c.inc(std::nan(""));
  EXPECT_EQ(c.value(), 1);
  Gauge& g = r.gauge("g", "G.");
  g.set(10);
  g.add(-3.5);
  EXPECT_EQ(g.value(), 6.5);
}

TEST(Metrics, RefusesMisuse) {
  Registry r;
  r.counter("m", "M.");
  EXPECT_THROW(r.gauge("m", "M."), std::invalid_argument);
  EXPECT_THROW(r.counter("1bad", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "O.", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "O.", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "O.", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {1}, {{"le", "1"}}), std::invalid_argument);
  r.histogram("h", "H.", {1, 2});
  EXPECT_THROW(r.histogram("h", "H.", {1, 3}, {{"a", "b"}}), std::invalid_argument);
  // Order, duplicates and an explicit +Inf do not make other buckets.
  EXPECT_NO_THROW(r.histogram("h", "H.", {2, 1, 1, std::numeric_limits<double>::infinity()}));
}

TEST(Metrics, ConcurrentUpdatesAreExact) {
  Registry r;
  Counter& c = r.counter("c_total", "C.");
  Gauge& g = r.gauge("g", "G.");
  Histogram& h = r.histogram("h", "H.", {0.5});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // Lookups race with updates too.
      Counter& same = r.counter("c_total", "C.");
      for (int i = 0; i < kPerThread; ++i) {
        same.inc();
        g.add(t % 2 ? 1 : -1);
        h.observe(i % 2 ? 0.25 : 1);
        if (i % 10000 == 0) (void)r.render();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), double{kThreads} * kPerThread);
  EXPECT_EQ(g.value(), 0);
  EXPECT_EQ(h.count(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(h.sum(), kThreads * (kPerThread / 2) * 1.25);
  EXPECT_THAT(r.render(), HasSubstr("h_bucket{le=\"0.5\"} 200000\nh_bucket{le=\"+Inf\"} 400000\n"));
}

TEST(Metrics, FormatsValuesAsTheFormatSpellsThem) {
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(-2.5), "-2.5");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(1e6), "1000000");
  EXPECT_EQ(format_value(12345.5), "12345.5");
  EXPECT_EQ(format_value(1234567.5), "1.2345675e+06");  // as Go's client spells it
  EXPECT_EQ(format_value(1e-5), "1e-05");
  EXPECT_EQ(format_value(-0.0), "0");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Metrics, LatencyBucketsAreSortedSeconds) {
  const auto b = latency_buckets();
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(b.front(), 0.0005);
  EXPECT_EQ(b.back(), 10);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_GT(b[i], b[i - 1]);
    EXPECT_LE(b[i] / b[i - 1], 2.5 + 1e-9);
  }
}

TEST(Metrics, DefaultRegistryIsOneObject) { EXPECT_EQ(&default_registry(), &default_registry()); }

}  // namespace
}  // namespace kgw::metrics
