// SPDX-License-Identifier: Apache-2.0
// Unit parsing: every quantity of the topology file becomes an exact integer
// once, here; each kind of bad input is refused with a message saying why.
#include <gtest/gtest.h>

#include <limits>

#include "orchestrator/model/dist_backoff.hpp"
#include "orchestrator/model/units.hpp"

using namespace faultline;
using namespace faultline::model;

namespace {

template <class T>
std::string error_of(const Result<T>& r) {
  return r.ok() ? std::string("<ok>") : r.error().context;
}

#define EXPECT_REFUSED(expr, substring)                                         \
  do {                                                                          \
    auto r_ = (expr);                                                           \
    EXPECT_FALSE(r_.ok()) << #expr << " was accepted";                          \
    EXPECT_NE(error_of(r_).find(substring), std::string::npos) << error_of(r_); \
  } while (0)

}  // namespace

TEST(Duration, UnitsBecomeExactNanoseconds) {
  EXPECT_EQ(units::parse_duration_ns("20ms").value(), 20'000'000);
  EXPECT_EQ(units::parse_duration_ns("1.5s").value(), 1'500'000'000);
  EXPECT_EQ(units::parse_duration_ns("250us").value(), 250'000);
  EXPECT_EQ(units::parse_duration_ns("100ns").value(), 100);
  EXPECT_EQ(units::parse_duration_ns("2m").value(), 120'000'000'000);
  EXPECT_EQ(units::parse_duration_ns("1h").value(), 3'600'000'000'000);
  EXPECT_EQ(units::parse_duration_ns("0.1s").value(), 100'000'000);  // exact, not 99'999'999
  EXPECT_EQ(units::parse_duration_ns("0.000000001s").value(), 1);
  EXPECT_EQ(units::parse_duration_ns("\xC2\xB5s").ok(), false);
  EXPECT_EQ(units::parse_duration_ns("3\xC2\xB5s").value(), 3'000);
}

// Found by fuzz/ (units): leading zeros after the point are not digits, so
// "0.<128 zeros>1s" passed the digit limit and its 10^scale overflowed 128
// bits to 0, a division by zero.
TEST(Duration, ManyDecimalsAreNotAWholeNumberOfNanoseconds) {
  for (size_t zeros : {37, 38, 39, 127, 128, 200}) {
    const std::string tiny = "0." + std::string(zeros, '0') + "1s";
    EXPECT_REFUSED(units::parse_duration_ns(tiny), "not a whole number of nanoseconds");
    EXPECT_REFUSED(units::parse_bytes("0." + std::string(zeros, '0') + "1TB"), "not a whole number of bytes");
    EXPECT_EQ(units::parse_duration_ns("0." + std::string(zeros, '0') + "s").value(), 0) << zeros << " zeros";
  }
  EXPECT_EQ(units::parse_duration_ns("1." + std::string(18, '0') + "s").value(), 1'000'000'000);
}

TEST(Duration, BareZeroAndCompoundForms) {
  EXPECT_EQ(units::parse_duration_ns("0").value(), 0);
  EXPECT_EQ(units::parse_duration_ns("0s").value(), 0);
  EXPECT_EQ(units::parse_duration_ns("1m30s").value(), 90'000'000'000);
  EXPECT_EQ(units::parse_duration_ns("1h0m5s").value(), 3'605'000'000'000);
}

TEST(Duration, BadInputsSayWhy) {
  EXPECT_REFUSED(units::parse_duration_ns("20"), "a unit is needed");
  EXPECT_REFUSED(units::parse_duration_ns("20sec"), "unknown unit 'sec'");
  EXPECT_REFUSED(units::parse_duration_ns("-5ms"), "negative");
  EXPECT_REFUSED(units::parse_duration_ns(""), "empty");
  EXPECT_REFUSED(units::parse_duration_ns("ms"), "does not start with a number");
  EXPECT_REFUSED(units::parse_duration_ns("1.5ns"), "not a whole number of nanoseconds");
  EXPECT_REFUSED(units::parse_duration_ns("1.s"), "decimal point");
  EXPECT_REFUSED(units::parse_duration_ns("+5ms"), "does not start with a number");
  EXPECT_REFUSED(units::parse_duration_ns("1e3ms"), "unknown unit 'e'");
  EXPECT_REFUSED(units::parse_duration_ns("99999999999h"), "too large");
  EXPECT_REFUSED(units::parse_duration_ns("1m30"), "every part of a compound duration needs a unit");
  EXPECT_REFUSED(units::parse_duration_ns("20 ms"), "unknown unit ' ms'");
}

TEST(Bytes, BinaryAndDecimalUnits) {
  EXPECT_EQ(units::parse_bytes("256MiB").value(), 268'435'456u);
  EXPECT_EQ(units::parse_bytes("1GiB").value(), 1ull << 30);
  EXPECT_EQ(units::parse_bytes("64KiB").value(), 65'536u);
  EXPECT_EQ(units::parse_bytes("2TiB").value(), 2ull << 40);
  EXPECT_EQ(units::parse_bytes("1MB").value(), 1'000'000u);
  EXPECT_EQ(units::parse_bytes("1KB").value(), 1'000u);
  EXPECT_EQ(units::parse_bytes("3GB").value(), 3'000'000'000u);
  EXPECT_EQ(units::parse_bytes("1.5KiB").value(), 1'536u);
  EXPECT_EQ(units::parse_bytes("100B").value(), 100u);
  EXPECT_EQ(units::parse_bytes("1000").value(), 1'000u);  // a plain count is bytes
  EXPECT_EQ(units::parse_bytes("0").value(), 0u);
}

TEST(Bytes, BadInputsSayWhy) {
  EXPECT_REFUSED(units::parse_bytes("1G"), "ambiguous");
  EXPECT_REFUSED(units::parse_bytes("1M"), "MiB (powers of 2) or MB (powers of 10)");
  EXPECT_REFUSED(units::parse_bytes("1.5B"), "not a whole number of bytes");
  EXPECT_REFUSED(units::parse_bytes("-1MiB"), "negative");
  EXPECT_REFUSED(units::parse_bytes("12parsecs"), "unknown unit 'parsecs'");
  EXPECT_REFUSED(units::parse_bytes("99999999999TiB"), "too large");
}

TEST(Rate, BitsPerSecond) {
  EXPECT_EQ(units::parse_rate_bps("10Mbit").value(), 10'000'000u);
  EXPECT_EQ(units::parse_rate_bps("1Gbit").value(), 1'000'000'000u);
  EXPECT_EQ(units::parse_rate_bps("500kbit").value(), 500'000u);
  EXPECT_EQ(units::parse_rate_bps("100bit").value(), 100u);
  EXPECT_EQ(units::parse_rate_bps("12.5Mbps").value(), 12'500'000u);  // bps: bits, not tc's bytes
  EXPECT_EQ(units::parse_rate_bps("2Gbps").value(), 2'000'000'000u);
  EXPECT_EQ(units::parse_rate_bps("64kbps").value(), 64'000u);
  EXPECT_EQ(units::parse_rate_bps("10MB/s").value(), 80'000'000u);
  EXPECT_EQ(units::parse_rate_bps("1MiB/s").value(), 8u << 20);
  EXPECT_EQ(units::parse_rate_bps("0bit").value(), 0u);  // zero is the caller's call
}

TEST(Rate, BadInputsSayWhy) {
  EXPECT_REFUSED(units::parse_rate_bps("100"), "a unit is needed");
  EXPECT_REFUSED(units::parse_rate_bps("10M"), "Mbit (bits per second) or MB/s (bytes per second)");
  EXPECT_REFUSED(units::parse_rate_bps("10Mb"), "unknown unit 'Mb'");
  EXPECT_REFUSED(units::parse_rate_bps("1.5bit"), "not a whole number of bit/s");
  EXPECT_REFUSED(units::parse_rate_bps("-1Mbit"), "negative");
}

TEST(Percent, PartsPerMillion) {
  EXPECT_EQ(units::parse_percent_ppm("2.5%").value(), 25'000u);
  EXPECT_EQ(units::parse_percent_ppm("100%").value(), 1'000'000u);
  EXPECT_EQ(units::parse_percent_ppm("0%").value(), 0u);
  EXPECT_EQ(units::parse_percent_ppm("0.0001%").value(), 1u);
  EXPECT_EQ(units::parse_percent_ppm("50.00%").value(), 500'000u);
  EXPECT_EQ(units::parse_percent_ppm("0").value(), 0u);
}

TEST(Percent, BadInputsSayWhy) {
  EXPECT_REFUSED(units::parse_percent_ppm("120%"), "more than 100%");
  EXPECT_REFUSED(units::parse_percent_ppm("100.0001%"), "more than 100%");
  EXPECT_REFUSED(units::parse_percent_ppm("0.02"), "needs a % sign");
  EXPECT_REFUSED(units::parse_percent_ppm("5"), "needs a % sign");
  EXPECT_REFUSED(units::parse_percent_ppm("0.00001%"), "finer than 0.0001%");
  EXPECT_REFUSED(units::parse_percent_ppm("-1%"), "negative");
  EXPECT_REFUSED(units::parse_percent_ppm("%"), "does not start with a number");
}

TEST(Cores, Millicores) {
  EXPECT_EQ(units::cores_to_millicores(0.5).value(), 500u);
  EXPECT_EQ(units::cores_to_millicores(1.0).value(), 1000u);
  EXPECT_EQ(units::cores_to_millicores(0.1).value(), 100u);
  EXPECT_EQ(units::cores_to_millicores(0.001).value(), 1u);
  EXPECT_EQ(units::cores_to_millicores(1024).value(), 1'024'000u);
  EXPECT_EQ(units::cores_to_millicores(2.345).value(), 2'345u);
}

TEST(Cores, BadInputsSayWhy) {
  EXPECT_REFUSED(units::cores_to_millicores(0), "out of range");
  EXPECT_REFUSED(units::cores_to_millicores(-1), "out of range");
  EXPECT_REFUSED(units::cores_to_millicores(1024.001), "out of range");
  EXPECT_REFUSED(units::cores_to_millicores(0.0005), "finer than 0.001 cores");
  EXPECT_REFUSED(units::cores_to_millicores(std::numeric_limits<double>::quiet_NaN()), "out of range");
  EXPECT_REFUSED(units::cores_to_millicores(std::numeric_limits<double>::infinity()), "out of range");
}

TEST(Format, RoundTripsThroughTheParsers) {
  for (int64_t ns : {int64_t{0}, int64_t{1}, int64_t{1500}, int64_t{20'000'000}, int64_t{1'500'000'000},
                     int64_t{120'000'000'000}, int64_t{3'600'000'000'000}}) {
    EXPECT_EQ(units::parse_duration_ns(units::format_duration(ns)).value(), ns) << units::format_duration(ns);
  }
  EXPECT_EQ(units::format_duration(20'000'000), "20ms");
  EXPECT_EQ(units::format_duration(1'500'000'000), "1500ms");
  EXPECT_EQ(units::format_duration(120'000'000'000), "2m");
  for (uint64_t b : {0ull, 1ull, 1000ull, 1024ull, 268'435'456ull, 1'000'000ull, 1536ull, 12345ull}) {
    EXPECT_EQ(units::parse_bytes(units::format_bytes(b)).value(), b) << units::format_bytes(b);
  }
  EXPECT_EQ(units::format_bytes(268'435'456), "256MiB");
  EXPECT_EQ(units::format_bytes(1'000'000), "1MB");
  // For people: whole binary units exactly, otherwise four significant digits.
  EXPECT_EQ(units::format_bytes_short(268'435'456), "256MiB");
  EXPECT_EQ(units::format_bytes_short(123'456'789), "117.7MiB");
  EXPECT_EQ(units::format_bytes_short(3ull << 30), "3GiB");
  EXPECT_EQ(units::format_bytes_short(1'000'000), "976.6KiB");
  EXPECT_EQ(units::format_bytes_short(512), "512B");
  EXPECT_EQ(units::format_bytes_short((1ull << 30) - 1), "1GiB") << "not 1024MiB";
  EXPECT_EQ(units::format_bytes_short(0), "0B");
}

using detail::parse_backoff;
using detail::parse_duration_dist;

TEST(Distribution, EveryForm) {
  EXPECT_EQ(parse_duration_dist("0").value(), (DurationDist{DurationDist::Kind::kConstant, 0, 0, 0}));
  EXPECT_EQ(parse_duration_dist("2ms").value(), (DurationDist{DurationDist::Kind::kConstant, 2'000'000, 0, 0}));
  EXPECT_EQ(parse_duration_dist("exp(2ms)").value(), (DurationDist{DurationDist::Kind::kExponential, 2'000'000, 0, 0}));
  EXPECT_EQ(parse_duration_dist("lognormal(2ms, 1ms)").value(),
            (DurationDist{DurationDist::Kind::kLognormal, 2'000'000, 1'000'000, 0}));
  EXPECT_EQ(parse_duration_dist("normal(2ms,0.5ms)").value(),
            (DurationDist{DurationDist::Kind::kNormal, 2'000'000, 500'000, 0}));
  // uniform(min, max) -> mean and half width.
  EXPECT_EQ(parse_duration_dist("uniform(1ms, 3ms)").value(),
            (DurationDist{DurationDist::Kind::kUniform, 2'000'000, 1'000'000, 0}));
  // pareto(mean, alpha): scale xm = mean * (alpha - 1) / alpha.
  const auto p = parse_duration_dist("pareto(3ms, 1.5)").value();
  EXPECT_EQ(p.kind, DurationDist::Kind::kPareto);
  EXPECT_EQ(p.mean_ns, 3'000'000);
  EXPECT_EQ(p.param_ns, 1'000'000);
  EXPECT_DOUBLE_EQ(p.shape, 1.5);
}

TEST(Distribution, BadInputsSayWhy) {
  EXPECT_REFUSED(parse_duration_dist("pareto(2ms, 1)"), "alpha must be more than 1");
  EXPECT_REFUSED(parse_duration_dist("pareto(2ms, x)"), "not a number");
  EXPECT_REFUSED(parse_duration_dist("uniform(3ms, 1ms)"), "minimum is larger than the maximum");
  EXPECT_REFUSED(parse_duration_dist("exp(0)"), "the mean must be more than 0");
  EXPECT_REFUSED(parse_duration_dist("exp(2ms, 1ms)"), "exp takes 1 argument");
  EXPECT_REFUSED(parse_duration_dist("gamma(2ms)"), "unknown distribution 'gamma'");
  EXPECT_REFUSED(parse_duration_dist("exp(2ms"), "missing ')'");
  EXPECT_REFUSED(parse_duration_dist("lognormal(2, 1ms)"), "a unit is needed");
  EXPECT_REFUSED(parse_duration_dist("2"), "a unit is needed");
}

TEST(BackoffString, EveryForm) {
  using K = Backoff::Kind;
  using J = Backoff::Jitter;
  EXPECT_EQ(parse_backoff("none").value(), (Backoff{K::kNone, J::kNone, 0, 0, 1.0}));
  EXPECT_EQ(parse_backoff("10ms").value(), (Backoff{K::kConstant, J::kNone, 10'000'000, 10'000'000, 1.0}));
  EXPECT_EQ(parse_backoff("10ms exp").value(), (Backoff{K::kExponential, J::kNone, 10'000'000, 100'000'000, 2.0}));
  EXPECT_EQ(parse_backoff("10ms exp jitter").value(),
            (Backoff{K::kExponential, J::kFull, 10'000'000, 100'000'000, 2.0}));
  EXPECT_EQ(parse_backoff("10ms exp equal-jitter").value().jitter, J::kEqual);
  EXPECT_EQ(parse_backoff("10ms exp decorrelated").value().jitter, J::kDecorrelated);
  EXPECT_EQ(parse_backoff("10ms exp jitter cap 1s").value(),
            (Backoff{K::kExponential, J::kFull, 10'000'000, 1'000'000'000, 2.0}));
  EXPECT_EQ(parse_backoff("  10ms   exp  cap 2s ").value().cap_ns, 2'000'000'000);
  EXPECT_EQ(parse_backoff("10ms jitter").value(), (Backoff{K::kConstant, J::kFull, 10'000'000, 10'000'000, 1.0}));
}

// Found by fuzz/ (dist_backoff): the default cap, ten times the base,
// overflowed int64 for a base above 922337203s.
TEST(BackoffString, DefaultCapOfAHugeBaseIsTheLongestDuration) {
  EXPECT_EQ(parse_backoff("1000000h exp").value().cap_ns, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_backoff("922337203s exp").value().cap_ns, 9'223'372'030'000'000'000);
  EXPECT_EQ(parse_backoff("922337204s exp").value().cap_ns, std::numeric_limits<int64_t>::max());
}

TEST(BackoffString, BadInputsSayWhy) {
  EXPECT_REFUSED(parse_backoff("10ms exponentially"), "unexpected 'exponentially'");
  EXPECT_REFUSED(parse_backoff("10 exp"), "a unit is needed");
  EXPECT_REFUSED(parse_backoff("0 exp"), "write \"none\"");
  EXPECT_REFUSED(parse_backoff("10ms exp cap 1ms"), "the cap is smaller than the base");
  EXPECT_REFUSED(parse_backoff("10ms exp cap"), "\"cap\" needs a duration");
  EXPECT_REFUSED(parse_backoff("10ms cap 1s"), "a cap only applies to \"exp\"");
  EXPECT_REFUSED(parse_backoff("10ms decorrelated"), "needs \"exp\"");
  EXPECT_REFUSED(parse_backoff(""), "empty");
}
