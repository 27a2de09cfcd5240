// SPDX-License-Identifier: Apache-2.0
// The control socket's framing and the orchestrator's client, without an
// engine: a ControlServer on an epoll loop in a thread, answering with a
// test handler.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <nlohmann/json.hpp>

#include "netem/engine/control.hpp"
#include "netem/engine/control_client.hpp"

namespace faultline::netem::engine {
namespace {

using nlohmann::json;

class ControlLoop {
 public:
  explicit ControlLoop(const std::string& path) : ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    auto s = ControlServer::listen(path, ep_.get(), 1000);
    ok_ = s.ok();
    if (!ok_) return;
    server_ = std::move(*s);
    thread_ = std::thread([this] {
      while (!stop_) {
        epoll_event evs[8];
        const int n = ::epoll_wait(ep_.get(), evs, 8, 20);
        for (int i = 0; i < n; ++i)
          server_.on_event(evs[i].data.u64, evs[i].events, [this](std::string_view line) {
            const json req = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
            if (!req.is_object()) return json{{"ok", false}, {"error", "request is not a JSON object"}};
            ++requests_;
            if (req.value("op", "") == "fail") return json{{"ok", false}, {"error", "as asked"}};
            return json{{"ok", true}, {"echo", req}};
          });
      }
    });
  }
  ~ControlLoop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  int requests() const { return requests_; }
  void close_server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    server_ = ControlServer();
  }

 private:
  UniqueFd ep_;
  ControlServer server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  bool ok_ = false;
};

std::string sock_path() { return "/tmp/fl-engine-unit-" + std::to_string(::getpid()) + ".sock"; }

TEST(Control, RequestResponseRoundTrip) {
  ControlLoop loop(sock_path());
  ASSERT_TRUE(loop.ok());
  auto r = netem::engine_request(sock_path(), {{"op", "ping"}, {"n", 1}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)["echo"]["n"], 1);
  auto f = netem::engine_request(sock_path(), {{"op", "fail"}});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("as asked"), std::string::npos);
  EXPECT_TRUE(netem::wait_engine_ready(sock_path(), 1000).ok());
}

TEST(Control, SeveralLinesOnOneConnectionAndGarbage) {
  ControlLoop loop(sock_path());
  ASSERT_TRUE(loop.ok());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, sock_path().c_str());
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string req = "{\"op\":\"a\"}\nnot json\n\n{\"op\":\"b\"}\n";
  ASSERT_EQ(::send(fd.get(), req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  ::shutdown(fd.get(), SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd.get(), buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_NE(out.find("not a JSON object"), std::string::npos);
  EXPECT_EQ(loop.requests(), 2);
}

TEST(Control, RemovesItsSocketAndReplacesStaleOnes) {
  const std::string p = sock_path();
  {
    ControlLoop loop(p);
    ASSERT_TRUE(loop.ok());
    ControlLoop second(p);
    EXPECT_FALSE(second.ok()) << "a live engine's socket is never taken over";
    loop.close_server();
    EXPECT_NE(::access(p.c_str(), F_OK), 0);
  }
  // A stale socket file (engine killed) is replaced.
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, p.c_str());
  ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  s.reset();
  ControlLoop loop(p);
  EXPECT_TRUE(loop.ok());
  EXPECT_FALSE(netem::engine_request("/tmp/fl-engine-unit-none.sock", {{"op", "ping"}}).ok());
}

}  // namespace
}  // namespace faultline::netem::engine
