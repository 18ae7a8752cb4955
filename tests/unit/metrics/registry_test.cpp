#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace weshopd::metrics;

TEST(MetricsRegistry, RendersCountersHistogramsAndCollectedFamilies)
{
  registry r;
  r.counter_of("x_requests_total", "Requests.", {{"code", "200"}}).add(3);
  r.counter_of("x_requests_total", "Requests.", {{"code", "500"}}).add();
  auto& h = r.histogram_of("x_seconds", "Durations.", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.1); // on a bound: counted in it (le is "less or equal")
  h.observe(0.5);
  h.observe(7);
  r.collect("x_depth", "Depth \\ with\nnewline.", "gauge", [] {
    return std::vector<registry::sample>{{{{"path", "a\"b\\c\nd"}}, 2.5}};
  });
  EXPECT_EQ(r.render(), "# HELP x_depth Depth \\\\ with\\nnewline.\n"
                        "# TYPE x_depth gauge\n"
                        "x_depth{path=\"a\\\"b\\\\c\\nd\"} 2.5\n"
                        "# HELP x_requests_total Requests.\n"
                        "# TYPE x_requests_total counter\n"
                        "x_requests_total{code=\"200\"} 3\n"
                        "x_requests_total{code=\"500\"} 1\n"
                        "# HELP x_seconds Durations.\n"
                        "# TYPE x_seconds histogram\n"
                        "x_seconds_bucket{le=\"0.1\"} 2\n"
                        "x_seconds_bucket{le=\"1\"} 3\n"
                        "x_seconds_bucket{le=\"+Inf\"} 4\n"
                        "x_seconds_sum 7.65\n"
                        "x_seconds_count 4\n");
}

TEST(MetricsRegistry, TheSameSeriesIsOneCounterAndAKindCannotChange)
{
  registry r;
  auto& a = r.counter_of("y_total", "Y.", {{"k", "v"}});
  auto& b = r.counter_of("y_total", "Y.", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.histogram_of("y_total", "Y.", {}, {1}), std::logic_error);
}

TEST(MetricsRegistry, CountsFromManyThreadsAddUp)
{
  registry r;
  auto& c = r.counter_of("z_total", "Z.");
  auto& h = r.histogram_of("z_seconds", "Z.", {}, latency_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add();
        h.observe(0.001);
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(h.read().cumulative.back(), 40000u);
}

TEST(MetricsRegistry, ProcessFiguresAreReadFromProc)
{
  registry r;
  collect_process_metrics(r);
  const auto text = r.render();
  for (const auto* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_start_time_seconds "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name << " missing in\n" << text;
}
