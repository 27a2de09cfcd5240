// SPDX-License-Identifier: Apache-2.0
// Keep-alive HTTP/1.1 connections to one host:port, at most max_connections
// open at once (idle, in use or being connected). acquire() hands out an idle
// connection when there is one, else opens a new one when below the limit,
// else waits in FIFO order for one to be given back. A connection given back
// broken (an error, a cancelled exchange, "Connection: close") is closed and
// its slot freed; only healthy ones are kept idle for reuse.
//
// The host name is resolved once (getaddrinfo, through Asio's resolver;
// nodes have /etc/hosts) and the addresses reused for every connection.
//
// Not synchronised: one strand (or one thread) owns the pool and every
// Lease. Downstream runs all its work on its own strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace faultline::workloads::client {

namespace asio = boost::asio;

// One open connection and the read buffer that belongs to it (bytes past a
// response stay with the connection, not with the request).
struct Connection {
  explicit Connection(asio::any_io_executor ex) : socket(std::move(ex)) {}
  asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
};

struct PoolStats {
  uint32_t open = 0;      // connections counted against the limit
  uint32_t idle = 0;      // open and waiting for reuse
  uint32_t waiting = 0;   // acquire() calls waiting for a slot
  uint64_t connects = 0;  // connections opened (successfully) so far
};

class ConnectionPool {
 public:
  // A connection on loan: given back on destruction, kept for reuse only if
  // keep() was called (the exchange on it completed cleanly).
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& connection() { return *conn_; }
    // True when the connection served an earlier request: a failure before
    // any byte of the answer may just mean the server closed it while idle.
    bool reused() const { return reused_; }
    void keep() { keep_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn, bool reused)
        : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
    void give_back() noexcept;

    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
    bool reused_ = false;
    bool keep_ = false;
  };

  ConnectionPool(asio::any_io_executor ex, std::string host, uint16_t port, uint32_t max_connections);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection, or an Error: resolving or connecting failed (err is the
  // errno), or the wait was cancelled (err ECANCELED). Cancellable through
  // the awaiting coroutine's cancellation slot.
  asio::awaitable<Result<Lease>> acquire();

  // Closes idle connections and makes waiting and later acquire() calls fail
  // with ECANCELED; leases out are closed when given back.
  void close();

  PoolStats stats() const;
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  // An acquire() waiting for a slot. It lives in that coroutine's frame;
  // release() hands it either a healthy connection or an empty slot.
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    bool granted = false;
    std::unique_ptr<Connection> conn;  // null with granted: connect a new one
  };

  void release(std::unique_ptr<Connection> conn, bool healthy) noexcept;
  asio::awaitable<Result<std::vector<asio::ip::tcp::endpoint>>> resolve();
  asio::awaitable<Result<Lease>> connect_new();

  asio::any_io_executor ex_;
  std::string host_;
  uint16_t port_;
  uint32_t max_;
  uint32_t open_ = 0;
  uint64_t connects_ = 0;
  bool closed_ = false;
  std::vector<asio::ip::tcp::endpoint> endpoints_;  // empty until resolved
  std::vector<std::unique_ptr<Connection>> idle_;   // most recently used last
  std::deque<Waiter*> waiters_;
};

}  // namespace faultline::workloads::client
