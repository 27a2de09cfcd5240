// SPDX-License-Identifier: Apache-2.0
// What the loader reads as a topology file: regular files and pipes up to
// kMaxTopologyBytes, "-" as standard input (named <stdin>), and a clear
// refusal, naming the file, of directories, devices, sockets and anything
// larger than the limit. /dev/zero must be refused, not read forever.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "base/fd.hpp"
#include "orchestrator/model/loader.hpp"

using namespace faultline;
using namespace faultline::model;
namespace fs = std::filesystem;

namespace {

const char* kTopology = "[[node]]\nname = \"a\"\n";

class TopologySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("fl-source-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ::signal(SIGPIPE, SIG_IGN);  // writers into a pipe the loader closed early
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The one error of loading `path`, which names the file at 1:1.
  Diagnostic only_error(const std::string& path, const std::string& name) {
    const auto r = load_file(path);
    EXPECT_FALSE(r.topology.has_value());
    EXPECT_EQ(r.errors.size(), 1u);
    if (r.errors.empty()) return {};
    EXPECT_EQ(r.errors[0].loc.file, name);
    EXPECT_EQ(r.errors[0].loc.line, 1);
    EXPECT_EQ(r.errors[0].loc.col, 1);
    return r.errors[0];
  }

  fs::path dir_;
};

// Standard input replaced by `fd` for the life of the object.
class StdinFrom {
 public:
  explicit StdinFrom(int fd) : saved_(::dup(STDIN_FILENO)) { ::dup2(fd, STDIN_FILENO); }
  ~StdinFrom() { ::dup2(saved_.get(), STDIN_FILENO); }

 private:
  UniqueFd saved_;
};

// A thread writing `text` `times` times into `path` (a FIFO or pipe end),
// stopping when the reader goes away.
std::thread writer(int fd, std::string text, size_t times) {
  return std::thread([fd, text = std::move(text), times] {
    for (size_t i = 0; i < times; ++i)
      if (::write(fd, text.data(), text.size()) < 0) break;
    ::close(fd);
  });
}

TEST_F(TopologySourceTest, LimitIsOneNamedConstant) {
  EXPECT_EQ(kMaxTopologyBytes, size_t{4} << 20);
  EXPECT_EQ(source_name("-"), "<stdin>");
  EXPECT_EQ(source_name("a.toml"), "a.toml");
}

TEST_F(TopologySourceTest, DirectoryIsRefusedByName) {
  const auto e = only_error(dir_.string(), dir_.string());
  EXPECT_NE(e.message.find("it is a directory"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("give a TOML file"), std::string::npos) << e.str();
}

TEST_F(TopologySourceTest, DevicesAreRefusedWithoutReadingThem) {
  const auto t0 = std::chrono::steady_clock::now();
  auto e = only_error("/dev/zero", "/dev/zero");
  EXPECT_NE(e.message.find("a character device"), std::string::npos) << e.str();
  e = only_error("/dev/null", "/dev/null");
  EXPECT_NE(e.message.find("a character device"), std::string::npos) << e.str();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST_F(TopologySourceTest, SocketIsRefused) {
  const auto p = dir_ / "s.sock";
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, p.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const auto e = only_error(p.string(), p.string());
  EXPECT_NE(e.message.find("a socket"), std::string::npos) << e.str();
}

TEST_F(TopologySourceTest, FileOverTheLimitIsRefusedNamingTheLimit) {
  const auto big = dir_ / "big.toml";
  {
    UniqueFd fd(::open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(kMaxTopologyBytes) + 1), 0);  // sparse
  }
  const auto e = only_error(big.string(), big.string());
  EXPECT_NE(e.message.find("larger than 4MiB (4194304 bytes)"), std::string::npos) << e.str();

  // Exactly the limit is read (here a comment of that size).
  const auto edge = dir_ / "edge.toml";
  std::ofstream(edge) << kTopology << "#" << std::string(kMaxTopologyBytes - std::strlen(kTopology) - 1, 'x');
  ASSERT_EQ(fs::file_size(edge), kMaxTopologyBytes);
  const auto r = load_file(edge.string());
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].str();
}

TEST_F(TopologySourceTest, FifoIsReadToItsEnd) {
  const auto p = dir_ / "topo.fifo";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  // The writer opens the FIFO itself (blocking until the loader opens it).
  std::thread w([&] {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) writer(fd, kTopology, 1).join();
  });
  const auto r = load_file(p.string());
  w.join();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].str();
  EXPECT_EQ(r.topology->nodes.size(), 1u);
  EXPECT_EQ(r.topology->file, p.string());
}

TEST_F(TopologySourceTest, EndlessFifoStopsAtTheLimit) {
  const auto p = dir_ / "endless.fifo";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  std::thread w([&] {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) writer(fd, std::string(1 << 16, '#'), 1 << 20).join();  // 64 GiB if nobody stops it
  });
  const auto e = only_error(p.string(), p.string());
  w.join();
  EXPECT_NE(e.message.find("larger than 4MiB"), std::string::npos) << e.str();
}

TEST_F(TopologySourceTest, DashReadsStandardInputNamedStdin) {
  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  UniqueFd rd(pipefd[0]);
  writer(pipefd[1], kTopology, 1).join();
  StdinFrom in(rd.get());
  const auto r = load_file("-");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].str();
  EXPECT_EQ(r.topology->file, "<stdin>");
}

TEST_F(TopologySourceTest, ErrorsInStandardInputNameStdin) {
  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  UniqueFd rd(pipefd[0]);
  writer(pipefd[1], "[[node]]\nname = \"a\n", 1).join();  // unterminated string on line 2
  StdinFrom in(rd.get());
  const auto r = load_file("-");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].loc.file, "<stdin>");
  EXPECT_EQ(r.errors[0].loc.line, 2);
}

TEST_F(TopologySourceTest, StandardInputFromDevZeroStopsAtTheLimit) {
  UniqueFd zero(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
  StdinFrom in(zero.get());
  const auto e = only_error("-", "<stdin>");
  EXPECT_NE(e.message.find("larger than 4MiB"), std::string::npos) << e.str();
}

TEST_F(TopologySourceTest, ReadSourceOnceLoadsSeveralTimes) {
  // What `faultline run -` does: one read of standard input, a load per variant.
  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  UniqueFd rd(pipefd[0]);
  writer(pipefd[1], std::string("[experiment]\nseed = 1\n") + kTopology, 1).join();
  StdinFrom in(rd.get());
  std::vector<Diagnostic> errors;
  const auto src = read_source("-", errors);
  ASSERT_TRUE(src.has_value());
  EXPECT_EQ(src->name, "<stdin>");
  for (int seed : {2, 3}) {
    const auto r = load_source(*src, {"experiment.seed=" + std::to_string(seed)});
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].str();
    EXPECT_EQ(r.topology->experiment.seed, static_cast<uint64_t>(seed));
  }
}

}  // namespace
