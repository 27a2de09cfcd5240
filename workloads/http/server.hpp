// SPDX-License-Identifier: Apache-2.0
// A small HTTP/1.1 server on Boost.Beast and Asio C++20 coroutines, shared by
// the workload processes (the service's endpoints, the load generator's
// /metrics and control): an accept loop, one coroutine per connection that
// reads a request, awaits the handler and writes its response, and keeps the
// connection open for the next request (keep-alive; pipelined requests are
// answered in order). Parsing is Beast's; nothing here looks inside a request.
//
// Threading: the server runs on whatever threads run its executor's
// io_context (see io_threads.hpp). One connection's requests are handled one
// after another, so a handler needs no locking for per-connection state, but
// handlers of different connections may run at once when several threads run
// the io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.hpp"

namespace faultline::workloads::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Answers one request. The server sets the response's version and
// keep-alive from the request and its Content-Length, so a handler only
// fills status, headers and body. The request stays valid until the
// returned awaitable completes.
using Handler = std::function<asio::awaitable<Response>(const Request&)>;

struct ServerOptions {
  uint64_t body_limit = 1 << 20;     // a larger request body: 413, and the connection closes
  uint32_t header_limit = 16 << 10;  // larger request headers: 431, and the connection closes
  int backlog = asio::socket_base::max_listen_connections;
};

class Server {
 public:
  Server(asio::any_io_executor ex, Handler handler, ServerOptions opts = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on address:port (port 0: an ephemeral port); returns
  // the bound endpoint. SO_REUSEADDR is set so that a restarted process can
  // bind while old connections sit in TIME_WAIT; a port in use is an error
  // with errno EADDRINUSE.
  Result<asio::ip::tcp::endpoint> listen(const std::string& address, uint16_t port);

  // Starts accepting (after listen()).
  void start();

  // Stops accepting; connections already open keep being served until the
  // io_context stops. Safe from any thread.
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(asio::ip::tcp::socket sock);

  asio::any_io_executor ex_;
  Handler handler_;
  ServerOptions opts_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace faultline::workloads::http
