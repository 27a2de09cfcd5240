// SPDX-License-Identifier: Apache-2.0
// The scraper never hangs its caller: a workload that accepts the connection
// but never answers (paused by a fault, wedged) costs one timeout, then the
// scraper answers an error; a workload that answers is read, over one
// kept-alive connection.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/fd.hpp"
#include "orchestrator/measure/scraper.hpp"

using namespace faultline;
using namespace std::chrono_literals;

namespace {

// A listening socket on 127.0.0.1, an ephemeral port.
UniqueFd listener(uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd.get(), 8), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

class ScraperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the scraper enters a network namespace (setns)";
    ns_ = UniqueFd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(ns_.valid());
  }
  UniqueFd ns_;
};

}  // namespace

TEST_F(ScraperTest, AServerThatNeverAnswersCostsOneTimeoutNotAHang) {
  uint16_t port = 0;
  auto l = listener(port);  // the kernel completes the handshake; nobody reads
  measure::Scraper s(ns_.get(), port, 200ms);
  for (int i = 0; i < 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s.get("/metrics");
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().err, ETIMEDOUT) << r.error().message();
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 5s) << "bounded by the timeout, not by the server";
  }
}

TEST_F(ScraperTest, AnAnsweringServerIsReadOverOneConnection) {
  uint16_t port = 0;
  auto l = listener(port);
  int accepted = 0;
  std::thread server([&] {
    UniqueFd c(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ++accepted;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(c.get(), buf, sizeof buf);
        if (n <= 0) return;
        req.append(buf, static_cast<size_t>(n));
      }
      const std::string body = "up 1\n";
      const std::string res = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!::write(c.get(), res.data(), res.size());
    }
  });
  measure::Scraper s(ns_.get(), port, 1000ms);
  for (int i = 0; i < 2; ++i) {
    auto r = s.get("/metrics");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r.value(), "up 1\n");
  }
  server.join();
  EXPECT_EQ(accepted, 1);
}
