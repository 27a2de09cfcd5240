// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/measure/scraper.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "orchestrator/runtime/netns.hpp"

namespace faultline::measure {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct Scraper::Conn {
  asio::io_context io;
  asio::ip::tcp::socket sock{io};
  boost::beast::flat_buffer buf;
};

Scraper::Scraper(int netns_fd, uint16_t port, std::chrono::milliseconds timeout)
    : netns_fd_(netns_fd), port_(port), timeout_(timeout) {}
Scraper::~Scraper() = default;
Scraper::Scraper(Scraper&&) noexcept = default;
Scraper& Scraper::operator=(Scraper&&) noexcept = default;

namespace {

// A TCP socket created (not connected) inside the namespace: it stays bound
// to that namespace whichever thread uses it afterwards.
Result<UniqueFd> socket_in(int netns_fd) {
  UniqueFd fd;
  Status st = runtime::in_netns(netns_fd, [&]() -> Status {
    fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return sys_error("socket");
    return {};
  });
  if (!st.ok()) return st.error();
  return fd;
}

}  // namespace

Result<std::string> Scraper::get(const std::string& path, uint64_t body_limit) {
  return request(false, path, body_limit);
}
Result<std::string> Scraper::post(const std::string& target) { return request(true, target, kDefaultBodyLimit); }

Result<std::string> Scraper::request(bool post, const std::string& target, uint64_t body_limit) {
  const std::string what = std::string(post ? "POST" : "GET") + " 127.0.0.1:" + std::to_string(port_) + target;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn_) {
      auto fd = socket_in(netns_fd_);
      if (!fd.ok()) return wrap(fd.error(), what);
      // connect() is bounded by the send timeout; reads and writes below by run_for.
      timeval tv{static_cast<time_t>(timeout_.count() / 1000), static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
      ::setsockopt(fd->get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      const int one = 1;
      ::setsockopt(fd->get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port_);
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd->get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return sys_error(what);
      auto c = std::make_unique<Conn>();
      boost::system::error_code ec;
      c->sock.assign(asio::ip::tcp::v4(), fd->release(), ec);
      if (ec) return logic_error(what + ": " + ec.message());
      conn_ = std::move(c);
    }
    http::request<http::empty_body> req{post ? http::verb::post : http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (post) req.content_length(0);
    // Asynchronous write and read on the connection's own io_context, run for
    // at most the timeout: a synchronous asio read turns a socket timeout
    // (EAGAIN) into an unbounded poll, so a paused workload would hang the
    // collector (and with it the fault timeline).
    boost::system::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    bool done = false;
    http::async_write(conn_->sock, req, [&](boost::system::error_code e, size_t) {
      if (e) {
        ec = e;
        done = true;
        return;
      }
      http::async_read(conn_->sock, conn_->buf, parser, [&](boost::system::error_code e2, size_t) {
        ec = e2;
        done = true;
      });
    });
    conn_->io.restart();
    conn_->io.run_for(timeout_);
    if (!done) {
      // Closing cancels the pending operation; run its handler before the
      // locals it refers to go away.
      boost::system::error_code ignored;
      conn_->sock.close(ignored);
      conn_->io.restart();
      conn_->io.run();
      conn_.reset();
      return sys_error(ETIMEDOUT, what + ": no answer within " + std::to_string(timeout_.count()) + " ms");
    }
    if (ec) {
      conn_.reset();
      // A kept-alive connection the server closed meanwhile: one fresh try.
      if (attempt == 0 && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                           ec == asio::error::broken_pipe))
        continue;
      return logic_error(what + ": " + ec.message());
    }
    auto& res = parser.get();
    if (res.result_int() != 200)
      return logic_error(what + ": HTTP " + std::to_string(res.result_int()) + " " + res.body().substr(0, 200));
    if (!res.keep_alive()) conn_.reset();
    return std::move(res.body());
  }
  return logic_error(what + ": connection closed twice");
}

}  // namespace faultline::measure
