#include "web/metrics.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

using gatesim::web::MetricsRegistry;

TEST(Metrics, RendersTheTextExpositionFormat) {
  MetricsRegistry registry;
  registry.counter("gatesim_transactions_total", "Transactions decided", {{"lane", "1"}, {"decision", "cleared"}}).add(2);
  registry.counter("gatesim_transactions_total", "Transactions decided", {{"lane", "1"}, {"decision", "referred"}}).add();
  registry.gauge("gatesim_queue_length", "Travellers queued", {{"channel", "say \"hi\"\\\n"}}).set(7.5);
  auto& h = registry.histogram("gatesim_step_duration_seconds", "Step times", {0.125, 1}, {{"step", "face"}});
  h.observe(0.0625);
  h.observe(0.125);  // on a bound: counted in it (le means <=)
  h.observe(3);
  EXPECT_EQ(registry.text(),
            "# HELP gatesim_queue_length Travellers queued\n"
            "# TYPE gatesim_queue_length gauge\n"
            "gatesim_queue_length{channel=\"say \\\"hi\\\"\\\\\\n\"} 7.5\n"
            "# HELP gatesim_step_duration_seconds Step times\n"
            "# TYPE gatesim_step_duration_seconds histogram\n"
            "gatesim_step_duration_seconds_bucket{step=\"face\",le=\"0.125\"} 2\n"
            "gatesim_step_duration_seconds_bucket{step=\"face\",le=\"1\"} 2\n"
            "gatesim_step_duration_seconds_bucket{step=\"face\",le=\"+Inf\"} 3\n"
            "gatesim_step_duration_seconds_sum{step=\"face\"} 3.1875\n"
            "gatesim_step_duration_seconds_count{step=\"face\"} 3\n"
            "# HELP gatesim_transactions_total Transactions decided\n"
            "# TYPE gatesim_transactions_total counter\n"
            "gatesim_transactions_total{lane=\"1\",decision=\"cleared\"} 2\n"
            "gatesim_transactions_total{lane=\"1\",decision=\"referred\"} 1\n");
}

TEST(Metrics, TheSameSeriesIsOneObjectAndCountsFromManyThreads) {
  MetricsRegistry registry;
  auto& a = registry.counter("x_total", "x", {{"k", "v"}});
  EXPECT_EQ(&a, &registry.counter("x_total", "x", {{"k", "v"}}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) registry.counter("x_total", "x", {{"k", "v"}}).add();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.value(), 40000);
  EXPECT_THROW(registry.gauge("x_total", "x"), std::logic_error);
}

}  // namespace
