// SPDX-License-Identifier: Apache-2.0
// The kernel backend's pure parts: netem's u32 probability scale and the
// distribution tables. No root, no kernel objects.
#include <gtest/gtest.h>
#include <linux/pkt_sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "netem/kernel/kernel_netem.hpp"

namespace faultline::netem::detail {
namespace {

TEST(NetemScale, EveryPpmRoundTrips) {
  for (uint32_t ppm = 0; ppm <= kPpmMax; ++ppm) {
    ASSERT_EQ(prob_to_ppm(ppm_to_prob(ppm)), ppm) << ppm;
  }
}

TEST(NetemScale, EndsAndMiddle) {
  EXPECT_EQ(ppm_to_prob(0), 0u);
  EXPECT_EQ(ppm_to_prob(kPpmMax), UINT32_MAX);  // 100% saturates: 2^32 does not fit
  EXPECT_EQ(ppm_to_prob(kPpmMax + 5), UINT32_MAX);
  EXPECT_EQ(ppm_to_prob(kPpmMax / 2), 1u << 31);
  EXPECT_EQ(ppm_to_prob(10 * kPpmPerPercent), 429496730u);  // iproute2's 10%
  EXPECT_EQ(prob_to_ppm(UINT32_MAX), kPpmMax);
}

TEST(NetemDist, UniformTableSpansPlusMinusOneSigma) {
  const auto t = uniform_dist_table();
  ASSERT_EQ(t.size(), 4096u);
  EXPECT_GT(t.front(), -NETEM_DIST_SCALE);
  EXPECT_LT(t.back(), NETEM_DIST_SCALE);
  long sum = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    EXPECT_EQ(t[i] - t[i - 1], 4) << i;  // evenly spaced
  }
  for (int16_t v : t) sum += v;
  EXPECT_EQ(sum, 0);  // centred: the mean delay is the configured delay
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/fl-dist-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    ::setenv("FAULTLINE_TC_DIST_DIR", path_.c_str(), 1);
  }
  ~TempDir() {
    ::unsetenv("FAULTLINE_TC_DIST_DIR");
    std::system(("rm -rf " + path_).c_str());
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(path_ + "/" + name) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NetemDist, ParsesIproute2TextFormat) {
  TempDir d;
  d.write("mine.dist", "# a comment\n -32768 -1 0\n\n 7 32767 # trailing\n0x10\n");
  auto t = load_dist_table("mine");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(*t, (std::vector<int16_t>{-32768, -1, 0, 7, 32767, 16}));
}

TEST(NetemDist, BadTablesNameTheFileAndLine) {
  TempDir d;
  d.write("big.dist", "1 2\n40000\n");
  auto t = load_dist_table("big");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().err, EINVAL);
  EXPECT_NE(t.error().message().find(d.path() + "/big.dist:2"), std::string::npos) << t.error().message();
  d.write("empty.dist", "# nothing\n");
  EXPECT_FALSE(load_dist_table("empty").ok());
}

TEST(NetemDist, MissingTableNamesThePathsTried) {
  TempDir d;
  auto t = load_dist_table("no-such-distribution");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().err, ENOENT);
  EXPECT_NE(t.error().message().find(d.path() + "/no-such-distribution.dist"), std::string::npos)
      << t.error().message();
  EXPECT_NE(t.error().message().find("/usr/lib/tc/no-such-distribution.dist"), std::string::npos);
}

// iproute2 (a dependency of the project) ships the tables netem's named
// distributions use; the backend must find every one of them.
TEST(NetemDist, Iproute2TablesLoad) {
  for (const char* n : {"normal", "pareto", "paretonormal"}) {
    auto t = load_dist_table(n);
    ASSERT_TRUE(t.ok()) << t.error().message();
    EXPECT_EQ(t->size(), 4096u) << n;
  }
}

}  // namespace
}  // namespace faultline::netem::detail
