// SPDX-License-Identifier: Apache-2.0
// Every input a fuzzer found a bug with (fuzz/regressions/NAME/), and every
// seed it starts from (fuzz/seeds/NAME/), replayed through the entry
// function the fuzzer runs (fuzz/entries/): a fixed bug stays fixed, and the
// properties the entry functions check hold for them. Under `make test-asan`
// the same replay runs with ASan and UBSan, as in the fuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/entries/entries.hpp"

namespace fs = std::filesystem;
using faultline::fuzz::kTargets;

namespace {

struct Case {
  std::string target;  // a name of kTargets
  std::string kind;    // "regressions" or "seeds"
  fs::path file;
};

std::vector<Case> cases(const std::string& kind) {
  std::vector<Case> out;
  for (const auto& t : kTargets) {
    const fs::path dir = fs::path(FL_SOURCE_DIR) / "fuzz" / kind / t.name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(Case{t.name, kind, e.path()});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.file < b.file; });
  return out;
}

std::string test_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.target + "_" + info.param.file.filename().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

void replay(const Case& c) {
  std::ifstream in(c.file, std::ios::binary);
  ASSERT_TRUE(in) << c.file;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& t : kTargets) {
    if (c.target != t.name) continue;
    try {
      t.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const faultline::fuzz::CheckFailed& e) {
      ADD_FAILURE() << c.file << ": " << e.what();
    }
    return;
  }
  FAIL() << "no fuzz target named " << c.target;
}

class FuzzRegression : public ::testing::TestWithParam<Case> {};
TEST_P(FuzzRegression, ReplaysCleanly) { replay(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Fuzz, FuzzRegression, ::testing::ValuesIn(cases("regressions")), test_name);
// A target may have no findings kept (yet).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FuzzRegression);

class FuzzSeed : public ::testing::TestWithParam<Case> {};
TEST_P(FuzzSeed, ReplaysCleanly) { replay(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Fuzz, FuzzSeed, ::testing::ValuesIn(cases("seeds")), test_name);

// Every entry function has a seed folder, and every regression folder is a target's.
TEST(FuzzTargets, EachHasSeedsAndEachRegressionFolderATarget) {
  for (const auto& t : kTargets) EXPECT_TRUE(fs::is_directory(fs::path(FL_SOURCE_DIR) / "fuzz/seeds" / t.name)) << t.name;
  const fs::path reg = fs::path(FL_SOURCE_DIR) / "fuzz/regressions";
  if (!fs::is_directory(reg)) return;
  for (const auto& e : fs::directory_iterator(reg)) {
    bool known = false;
    for (const auto& t : kTargets) known = known || e.path().filename() == t.name;
    EXPECT_TRUE(known) << e.path() << " is no fuzz target's (entries.hpp kTargets)";
  }
}

}  // namespace
