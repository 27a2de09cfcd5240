// SPDX-License-Identifier: Apache-2.0
// The io_context of a workload process and the threads that run it (1 by
// default: one thread serves many keep-alive connections, and a single
// thread keeps the order of random draws reproducible).
#pragma once

#include <boost/asio/io_context.hpp>

#include "base/result.hpp"

namespace faultline::workloads::http {

// An io_context whose pending handlers can be destroyed before the objects
// they refer to. Suspended coroutines (a request waiting for a worker, a
// downstream call in flight) refer to the application objects that own
// sockets and timers; those objects must go before the io_context, and the
// coroutines before them. Shutdown is: stop(), join the threads,
// destroy_pending() while the application lives, destroy the application,
// then the io_context.
class IoContext : public boost::asio::io_context {
 public:
  using boost::asio::io_context::io_context;
  // Destroys every handler still queued or waiting for I/O (and with them
  // the coroutines they would have resumed). Only after the threads
  // returned. The io_context's destructor does it again, finding none left.
  void destroy_pending() { shutdown(); }
};

// Runs io on n threads (the caller's and n - 1 more) until it stops, and
// returns once all of them have returned. An exception out of a handler stops
// the io_context and comes back as the error (the first one, if several).
Status run_io_threads(boost::asio::io_context& io, unsigned n);

}  // namespace faultline::workloads::http
