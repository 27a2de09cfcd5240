// SPDX-License-Identifier: Apache-2.0
#include "workloads/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <exception>
#include <optional>

#include "workloads/http/response.hpp"

namespace faultline::workloads::http {

namespace {

using tcp = asio::ip::tcp;
// Errors are values: a closed connection or a bad request is a normal event
// for a server, not an exception.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// The answer to a request Beast could not parse, or nullopt when the error is
// the connection's (closed, reset): then there is nobody to answer.
std::optional<bhttp::status> parse_failure_status(const beast::error_code& ec) {
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec == bhttp::error::body_limit) return bhttp::status::payload_too_large;
  if (ec == bhttp::error::header_limit) return bhttp::status::request_header_fields_too_large;
  if (ec.category() == make_error_code(bhttp::error::bad_method).category()) return bhttp::status::bad_request;
  return std::nullopt;
}

}  // namespace

Server::Server(asio::any_io_executor ex, Handler handler, ServerOptions opts)
    : ex_(std::move(ex)), handler_(std::move(handler)), opts_(opts), acceptor_(ex_) {}

Result<tcp::endpoint> Server::listen(const std::string& address, uint16_t port) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) return logic_error("bad listen address '" + address + "'");
  const tcp::endpoint ep(addr, port);
  const std::string where = address + ":" + std::to_string(port);
  if (acceptor_.open(ep.protocol(), ec); ec) return sys_error(ec.value(), "open a socket for " + where);
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return sys_error(ec.value(), "set SO_REUSEADDR on " + where);
  if (acceptor_.bind(ep, ec); ec) return sys_error(ec.value(), "bind " + where);
  if (acceptor_.listen(opts_.backlog, ec); ec) return sys_error(ec.value(), "listen on " + where);
  auto bound = acceptor_.local_endpoint(ec);
  if (ec) return sys_error(ec.value(), "read the bound address of " + where);
  return bound;
}

void Server::start() { asio::co_spawn(ex_, accept_loop(), asio::detached); }

void Server::stop() {
  // The acceptor belongs to the executor's threads: close it there.
  asio::post(ex_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    // Out of descriptors or a connection reset before accept: keep serving
    // the connections already open and try again.
    if (ec) continue;
    // Responses are written in one gather write; Nagle would only hold back
    // the next small response until the peer's delayed ACK.
    beast::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(ex_, session(std::move(sock)), [](std::exception_ptr e) {
      // Handlers return errors as responses; an exception here is a bug or
      // out of memory. Lose the connection, not the process.
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::fprintf(stderr, "http: connection dropped: %s\n", x.what());
      }
    });
  }
}

asio::awaitable<void> Server::session(tcp::socket sock) {
  // One buffer for the connection's life: bytes of a pipelined next request
  // stay in it between requests.
  beast::flat_buffer buffer;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  for (;;) {
    // Beast parsers handle one message each.
    parser.emplace();
    parser->body_limit(opts_.body_limit);
    parser->header_limit(opts_.header_limit);
    auto [rec, n] = co_await bhttp::async_read(sock, buffer, *parser, kNoThrow);
    (void)n;
    if (rec) {
      if (const auto status = parse_failure_status(rec)) {
        const auto reason = bhttp::obsolete_reason(*status);
        Response res = text_response(*status, std::string(reason.data(), reason.size()) + "\n");
        res.keep_alive(false);
        res.prepare_payload();
        co_await bhttp::async_write(sock, res, kNoThrow);
      }
      break;
    }
    const Request& req = parser->get();
    Response res = co_await handler_(req);
    // The handler may ask to close (Connection: close); read that before the
    // version changes what keep_alive() infers from a missing header.
    const bool keep_alive = req.keep_alive() && res.keep_alive();
    res.version(req.version());
    res.keep_alive(keep_alive);
    res.prepare_payload();
    auto [wec, m] = co_await bhttp::async_write(sock, res, kNoThrow);
    (void)m;
    if (wec || !res.keep_alive()) break;
  }
  // Half-close: the peer reads our last response, then sees the end.
  beast::error_code ignored;
  sock.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace faultline::workloads::http
