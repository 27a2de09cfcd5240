// SPDX-License-Identifier: Apache-2.0
// A scripted HTTP server on 127.0.0.1 (workloads/http's Beast server) for
// client and load generator tests: a script decides each request's status
// and delay from its index; every request is recorded (arrival time,
// deadline header). Runs on the test's io_context; only loopback.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/http/response.hpp"
#include "workloads/http/server.hpp"
#include "workloads/policy/clock.hpp"
#include "workloads/policy/deadline.hpp"

namespace faultline::testing {

namespace wasio = boost::asio;
namespace whttp = faultline::workloads::http;

struct Reply {
  unsigned status = 200;
  int64_t delay_ns = 0;
};

struct Seen {
  int64_t at_ns = 0;                  // SteadyClock
  std::string target;
  std::optional<std::string> deadline_header;
};

class ScriptedServer {
 public:
  using Script = std::function<Reply(size_t index)>;

  ScriptedServer(wasio::io_context& io, Script script)
      : io_(io),
        script_(std::move(script)),
        server_(io.get_executor(), [this](const whttp::Request& r) { return handle(r); }) {
    auto ep = server_.listen("127.0.0.1", 0);
    if (!ep.ok()) throw std::runtime_error(ep.error().message());
    port_ = ep->port();
    server_.start();
  }
  ~ScriptedServer() { server_.stop(); }

  uint16_t port() const { return port_; }
  const std::vector<Seen>& seen() const { return seen_; }
  size_t count() const { return seen_.size(); }
  uint32_t max_concurrent() const { return max_concurrent_; }
  void set_script(Script s) { script_ = std::move(s); }

 private:
  wasio::awaitable<whttp::Response> handle(const whttp::Request& req) {
    const size_t index = seen_.size();
    Seen s;
    s.at_ns = workloads::policy::SteadyClock::read();
    s.target = std::string(req.target());
    auto it = req.find(std::string(workloads::policy::kDeadlineHeader));
    if (it != req.end()) s.deadline_header = std::string(it->value());
    seen_.push_back(std::move(s));
    const Reply r = script_(index);
    ++concurrent_;
    max_concurrent_ = std::max(max_concurrent_, concurrent_);
    if (r.delay_ns > 0) {
      wasio::steady_timer t(io_, std::chrono::nanoseconds(r.delay_ns));
      co_await t.async_wait(wasio::as_tuple(wasio::use_awaitable));
    }
    --concurrent_;
    co_return whttp::text_response(static_cast<boost::beast::http::status>(r.status), "x");
  }

  wasio::io_context& io_;
  Script script_;
  whttp::Server server_;
  uint16_t port_ = 0;
  std::vector<Seen> seen_;
  uint32_t concurrent_ = 0, max_concurrent_ = 0;
};

// Runs io until the coroutine finishes (or `limit` passes: a hang fails the
// test instead of blocking it) and returns its result.
template <class T>
T run_until_done(wasio::io_context& io, wasio::awaitable<T> coro,
                 std::chrono::steady_clock::duration limit = std::chrono::seconds(20)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool finished = false;
  wasio::co_spawn(io, std::move(coro), [&](std::exception_ptr e, T v) {
    finished = true;
    error = e;
    if (!e) result = std::move(v);
    io.stop();  // the server's accept loop would keep run_for() busy
  });
  io.restart();
  io.run_for(limit);
  if (!finished) throw std::runtime_error("coroutine did not finish in time");
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace faultline::testing
