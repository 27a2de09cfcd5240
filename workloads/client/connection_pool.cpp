// SPDX-License-Identifier: Apache-2.0
#include "workloads/client/connection_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <functional>
#include <cerrno>

namespace faultline::workloads::client {

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using tcp = asio::ip::tcp;
}  // namespace

ConnectionPool::Lease::Lease(Lease&& o) noexcept
    : pool_(o.pool_), conn_(std::move(o.conn_)), reused_(o.reused_), keep_(o.keep_) {
  o.pool_ = nullptr;
}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    give_back();
    pool_ = o.pool_;
    conn_ = std::move(o.conn_);
    reused_ = o.reused_;
    keep_ = o.keep_;
    o.pool_ = nullptr;
  }
  return *this;
}

ConnectionPool::Lease::~Lease() { give_back(); }

void ConnectionPool::Lease::give_back() noexcept {
  if (pool_ && conn_) pool_->release(std::move(conn_), keep_);
  pool_ = nullptr;
}

ConnectionPool::ConnectionPool(asio::any_io_executor ex, std::string host, uint16_t port,
                               uint32_t max_connections)
    : ex_(std::move(ex)), host_(std::move(host)), port_(port), max_(std::max<uint32_t>(1, max_connections)) {}

ConnectionPool::~ConnectionPool() {
  // Leases and waiters must be gone by now (their owners run on the pool's
  // strand and end before it); idle sockets close with their destructors.
  idle_.clear();
}

PoolStats ConnectionPool::stats() const {
  return PoolStats{open_, static_cast<uint32_t>(idle_.size()), static_cast<uint32_t>(waiters_.size()), connects_};
}

void ConnectionPool::close() {
  closed_ = true;
  open_ -= static_cast<uint32_t>(idle_.size());
  idle_.clear();
  for (Waiter* w : waiters_) w->timer.cancel();  // not granted: they fail with ECANCELED
  waiters_.clear();
}

void ConnectionPool::release(std::unique_ptr<Connection> conn, bool healthy) noexcept {
  if (closed_) healthy = false;
  if (!healthy && conn) {
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    conn.reset();
  }
  if (!waiters_.empty()) {
    // The slot goes to the longest waiter, with the connection if it is
    // still good: FIFO, and nobody arriving later can take it first.
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = true;
    w->conn = std::move(conn);
    w->timer.cancel();
    return;
  }
  if (conn) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
}

asio::awaitable<Result<std::vector<tcp::endpoint>>> ConnectionPool::resolve() {
  if (!endpoints_.empty()) co_return endpoints_;
  tcp::resolver resolver(ex_);
  auto [ec, results] = co_await resolver.async_resolve(host_, std::to_string(port_),
                                                       tcp::resolver::numeric_service, kNoThrow);
  if (ec) co_return sys_error(ec.value(), "resolve " + host_ + ": " + ec.message());
  std::vector<tcp::endpoint> eps;
  for (const auto& r : results) eps.push_back(r.endpoint());
  if (eps.empty()) co_return logic_error("resolve " + host_ + ": no address");
  // Concurrent first calls may both resolve; the answers are the same.
  if (endpoints_.empty()) endpoints_ = eps;
  co_return endpoints_;
}

namespace {

// A reserved connection slot (counted in open_) that goes back to the pool
// unless a Lease took it. It covers every way out of a connect, exceptions
// included: a caller cancelled mid-connect resumes with an exception (asio's
// throw_if_cancelled), and a slot leaked there is never given back, which
// once starved a loaded client of every connection for good.
struct SlotGuard {
  std::function<void()> give_back;
  bool armed = true;
  ~SlotGuard() {
    if (armed) give_back();
  }
};

}  // namespace

asio::awaitable<Result<ConnectionPool::Lease>> ConnectionPool::connect_new() {
  // The caller holds the slot's guard; this only connects.
  auto eps = co_await resolve();
  if (!eps.ok()) co_return eps.error();
  auto conn = std::make_unique<Connection>(ex_);
  auto [ec, ep] = co_await asio::async_connect(conn->socket, *eps, kNoThrow);
  if (ec) co_return sys_error(ec.value(), "connect " + host_ + ":" + std::to_string(port_) + ": " + ec.message());
  if (closed_) {
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    co_return sys_error(ECANCELED, "connection pool closed");
  }
  boost::system::error_code ignored;
  // Small requests and answers: Nagle would hold them back for an ACK.
  conn->socket.set_option(tcp::no_delay(true), ignored);
  ++connects_;
  co_return Lease(this, std::move(conn), false);
}

asio::awaitable<Result<ConnectionPool::Lease>> ConnectionPool::acquire() {
  if (closed_) co_return sys_error(ECANCELED, "connection pool closed");
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    co_return Lease(this, std::move(conn), true);
  }
  if (open_ < max_) {
    ++open_;
    SlotGuard slot{[this] { release(nullptr, false); }};
    auto lease = co_await connect_new();
    slot.armed = !lease.ok();
    co_return lease;
  }
  Waiter w(ex_);
  w.timer.expires_at(asio::steady_timer::time_point::max());
  waiters_.push_back(&w);
  co_await w.timer.async_wait(kNoThrow);
  if (!w.granted) {
    // Cancelled by our caller, or the pool closed: leave the queue.
    auto it = std::find(waiters_.begin(), waiters_.end(), &w);
    if (it != waiters_.end()) waiters_.erase(it);
    co_return sys_error(ECANCELED, "wait for a connection to " + host_);
  }
  // Granted even if our caller cancelled at the same moment: the Lease owns
  // the slot now and gives it back when the caller drops it.
  if (w.conn) co_return Lease(this, std::move(w.conn), true);
  SlotGuard slot{[this] { release(nullptr, false); }};
  auto lease = co_await connect_new();
  slot.armed = !lease.ok();
  co_return lease;
}

}  // namespace faultline::workloads::client
