// SPDX-License-Identifier: Apache-2.0
// The exposition-format reader the collector relies on: exact values, labels
// with escapes, histograms, and a clear error on a malformed line.
#include <gtest/gtest.h>

#include <cmath>

#include "orchestrator/measure/prom_text.hpp"

using namespace faultline::measure;

TEST(PromText, ReadsSamplesLabelsAndEscapes) {
  const char* text =
      "# HELP faultline_requests_total Requests served.\n"
      "# TYPE faultline_requests_total counter\n"
      "faultline_requests_total{service=\"api\",code=\"200\"} 1027\n"
      "faultline_requests_total{service=\"api\",code=\"503\",} 3 1700000000000\n"
      "faultline_queue_depth{service=\"a\\\"b\\\\c\\nd\"} 2.5e1\n"
      "up 1\r\n"
      "\n"
      "nan_metric NaN\n";
  auto r = parse_prom_text(text);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].name, "faultline_requests_total");
  ASSERT_EQ((*r)[0].labels.size(), 2u);
  EXPECT_EQ(*(*r)[0].label("code"), "200");
  EXPECT_DOUBLE_EQ((*r)[0].value, 1027);
  EXPECT_DOUBLE_EQ((*r)[1].value, 3) << "a timestamp is not the value";
  EXPECT_EQ(*(*r)[2].label("service"), "a\"b\\c\nd");
  EXPECT_DOUBLE_EQ((*r)[2].value, 25);
  EXPECT_EQ((*r)[3].name, "up");
  EXPECT_TRUE(std::isnan((*r)[4].value));
  EXPECT_DOUBLE_EQ(sum(*r, "faultline_requests_total"), 1030);
  EXPECT_DOUBLE_EQ(sum(*r, "faultline_requests_total", {{"code", "503"}}), 3);
  EXPECT_DOUBLE_EQ(sum(*r, "faultline_requests_total", {{"service", "db"}}), 0);
}

TEST(PromText, MalformedLinesNameTheirLine) {
  for (const char* bad : {"x{a=\"1\" 2\n", "x 1 2 3\n", "x{a=1} 2\n", "x\n", "x{a=\"\\q\"} 1\n", "{a=\"1\"} 1\n",
                          "x one\n"}) {
    auto r = parse_prom_text(std::string("ok 1\n") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("metrics line 2"), std::string::npos) << r.error().message();
  }
}

TEST(PromText, HistogramQuantileInterpolatesLikePrometheus) {
  // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.2], 10 in (0.2, 0.4].
  const char* text =
      "lat_bucket{s=\"a\",le=\"0.1\"} 50\n"
      "lat_bucket{s=\"a\",le=\"0.2\"} 90\n"
      "lat_bucket{s=\"a\",le=\"0.4\"} 100\n"
      "lat_bucket{s=\"a\",le=\"+Inf\"} 100\n"
      "lat_bucket{s=\"b\",le=\"0.1\"} 0\n"
      "lat_bucket{s=\"b\",le=\"0.2\"} 0\n"
      "lat_bucket{s=\"b\",le=\"0.4\"} 0\n"
      "lat_bucket{s=\"b\",le=\"+Inf\"} 0\n";
  auto r = parse_prom_text(text);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(histogram_quantile(*r, "lat", 0.5, {{"s", "a"}}), 0.1, 1e-12);
  EXPECT_NEAR(histogram_quantile(*r, "lat", 0.7, {{"s", "a"}}), 0.15, 1e-12);
  EXPECT_NEAR(histogram_quantile(*r, "lat", 0.95, {{"s", "a"}}), 0.3, 1e-12);
  EXPECT_NEAR(histogram_quantile(*r, "lat", 0.25), 0.05, 1e-12) << "summed over both series";
  EXPECT_TRUE(std::isnan(histogram_quantile(*r, "lat", 0.5, {{"s", "b"}}))) << "no observations";
  EXPECT_TRUE(std::isnan(histogram_quantile(*r, "nothing", 0.5)));
}
