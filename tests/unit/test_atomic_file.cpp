// SPDX-License-Identifier: Apache-2.0
// write_file_atomic: the target holds the old content or the new, never part,
// and a failure leaves neither a changed target nor a temporary file.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/atomic_file.hpp"
#include "tests/support/slurp.hpp"

using faultline::write_file_atomic;
using faultline::testing::slurp;

namespace {

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/fl-atomic-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporary) {
  TempDir d;
  const std::string f = d.path + "/summary.json";
  ASSERT_TRUE(write_file_atomic(f, "first\n").ok());
  EXPECT_EQ(slurp(f), "first\n");
  const std::string big(3 << 20, 'x');  // more than one write() may take
  ASSERT_TRUE(write_file_atomic(f, big).ok());
  EXPECT_EQ(slurp(f), big);
  ASSERT_TRUE(write_file_atomic(f, "").ok());
  EXPECT_EQ(slurp(f), "");
  EXPECT_EQ(entries(d.path), std::set<std::string>{"summary.json"});
}

TEST(AtomicFile, AFailedRenameKeepsTheTargetAndRemovesTheTemporary) {
  TempDir d;
  // The target is a non-empty directory: rename(2) of a file over it fails.
  const std::string target = d.path + "/report.html";
  ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
  std::ofstream(target + "/keep") << "kept";
  const auto st = write_file_atomic(target, "new");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("rename " + d.path + "/.report.html.tmp to " + target), std::string::npos)
      << st.error().message();
  EXPECT_EQ(slurp(target + "/keep"), "kept");
  EXPECT_EQ(entries(d.path), std::set<std::string>{"report.html"});
}

TEST(AtomicFile, AMissingFolderIsAnErrorNamingTheFile) {
  TempDir d;
  const auto st = write_file_atomic(d.path + "/no/such/config.json", "{}");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT);
  EXPECT_NE(st.error().message().find("create " + d.path + "/no/such/.config.json.tmp"), std::string::npos);
}

TEST(AtomicFile, ABareFileNameIsWrittenInTheWorkingFolder) {
  TempDir d;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(d.path);
  const auto st = write_file_atomic("plain.txt", "here");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(slurp(d.path + "/plain.txt"), "here");
  EXPECT_EQ(entries(d.path), std::set<std::string>{"plain.txt"});
}
