// SPDX-License-Identifier: Apache-2.0
// base/text.hpp and base/file.hpp: the one splitter, trimmer, number
// formatter and file reader every part uses.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/text.hpp"

using namespace faultline;
using V = std::vector<std::string>;

TEST(BaseText, SplitKeepsOrDropsEmptyFields) {
  EXPECT_EQ(split("a,,b", ','), (V{"a", "", "b"}));
  EXPECT_EQ(split("a,,b", ',', Empty::kDrop), (V{"a", "b"}));
  EXPECT_EQ(split("", ','), (V{""}));
  EXPECT_EQ(split("", ',', Empty::kDrop), V{});
  EXPECT_EQ(split("/x/", '/'), (V{"", "x", ""}));
  EXPECT_EQ(split("rw,cpu,cpuacct", ','), (V{"rw", "cpu", "cpuacct"}));
}

TEST(BaseText, TrimAndFormat) {
  EXPECT_EQ(trim(" \t a b\t "), "a b");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(format_g(0.123456, 3), "0.123");
  EXPECT_EQ(format_g(12345.0, 4), "1.234e+04");
  EXPECT_EQ(format_g(2.5, 4), "2.5");
}

TEST(BaseFile, ReadsWhatTheAtomicWriterWroteAndTellsAbsentFromUnreadable) {
  char dir[] = "/tmp/fl-base-file-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/f";
  std::string big(200'000, 'x');  // more than one read() of the reader's buffer
  big[123'456] = 'y';
  ASSERT_TRUE(write_file_atomic(path, big).ok());
  auto r = read_file(path);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, big);
  auto missing = read_file(std::string(dir) + "/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().err, ENOENT);
  EXPECT_NE(missing.error().message().find("/none"), std::string::npos);
  auto capped = read_file(path, 1000);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().err, EFBIG);
  EXPECT_TRUE(read_file(path, big.size()).ok());
  auto a_dir = read_file(dir);
  ASSERT_FALSE(a_dir.ok());
  EXPECT_EQ(a_dir.error().err, EISDIR);
  ::unlink(path.c_str());
  ::rmdir(dir);
}
