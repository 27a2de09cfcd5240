// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/exporter.hpp"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <map>
#include <thread>

#include "orchestrator/experiment/collector.hpp"
#include "orchestrator/experiment/live_board.hpp"
#include "orchestrator/report/live_page.hpp"
#include "workloads/http/io_threads.hpp"
#include "workloads/http/response.hpp"
#include "workloads/http/server.hpp"

namespace faultline::experiment {

namespace {

// Builds the families at each scrape from the collector's latest state.
class RunCollectable : public prometheus::Collectable {
 public:
  RunCollectable(std::string run, const Collector& c) : run_(std::move(run)), c_(c) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::map<std::string, prometheus::MetricFamily> fam;
    auto family = [&](const std::string& name, const char* help) -> prometheus::MetricFamily& {
      auto& f = fam[name];
      if (f.name.empty()) {
        f.name = name;
        f.help = help;
        f.type = prometheus::MetricType::Untyped;
      }
      return f;
    };
    // Workloads' own samples, relabelled. Histogram and counter series keep
    // their names (x_bucket, x_total); untyped keeps them valid as written.
    for (const auto& t : c_.latest()) {
      for (const auto& s : t.samples) {
        prometheus::ClientMetric m;
        m.label.push_back({"run", run_});
        m.label.push_back({"node", t.node});
        for (const auto& [k, v] : s.labels)
          if (k != "run" && k != "node") m.label.push_back({k, v});
        if (!s.label("service")) m.label.push_back({"service", t.name});
        m.untyped.value = s.value;
        family(s.name, "as served by the workload, relabelled by run and node").metric.push_back(std::move(m));
      }
    }
    // The collector's per-tick figures, as of the last tick.
    for (const auto& f : c_.latest_figures()) {
      prometheus::ClientMetric m;
      m.label = {{"run", run_}, {"node", f.key.node}, {"service", f.key.service}};
      m.untyped.value = f.value;
      family("faultline_run_" + f.key.metric, "faultline's per-tick figure (see docs/results.md)")
          .metric.push_back(std::move(m));
    }
    std::vector<prometheus::MetricFamily> out;
    for (auto& [name, f] : fam) out.push_back(std::move(f));
    return out;
  }

 private:
  std::string run_;
  const Collector& c_;
};

namespace http = workloads::http;

http::Response with_type(http::Response r, const char* type) {
  r.set(http::bhttp::field::content_type, type);
  // Live data: never from a cache.
  r.set(http::bhttp::field::cache_control, "no-store");
  return r;
}

}  // namespace

struct Exporter::Impl {
  std::string run;
  std::shared_ptr<RunCollectable> collectable;
  const LiveBoard* board = nullptr;
  http::IoContext io{1};
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
  std::thread thread;

  // Stop accepting, stop the thread, then drop the suspended sessions while
  // the server they refer to still exists (io_threads.hpp).
  ~Impl() {
    if (server) server->stop();
    io.stop();
    if (thread.joinable()) thread.join();
    io.destroy_pending();
  }

  http::Response answer(const http::Request& req) const {
    const auto path = http::target_path(req);
    if (req.method() != http::bhttp::verb::get && req.method() != http::bhttp::verb::head)
      return http::text_response(http::bhttp::status::method_not_allowed, "GET only\n");
    if (path == "/metrics") {
      http::Response r{http::bhttp::status::ok, 11};
      r.set(http::bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      r.body() = prometheus::TextSerializer{}.Serialize(collectable->Collect());
      return r;
    }
    if (board) {
      if (path == "/" || path == "/index.html")
        return with_type(http::text_response(http::bhttp::status::ok, report::render_live_page(run)), "text/html; charset=utf-8");
      if (path == "/live.json")
        return with_type(http::text_response(http::bhttp::status::ok, board->page_json()), "application/json");
      if (const auto asset = report::live_asset(path))
        return with_type(http::text_response(http::bhttp::status::ok, asset->body), asset->type);
    }
    return http::text_response(http::bhttp::status::not_found,
                               board ? "not found: try /, /live.json or /metrics\n" : "not found: try /metrics\n");
  }
};

Exporter::Exporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Exporter::~Exporter() = default;

Result<std::unique_ptr<Exporter>> Exporter::start(const std::string& bind, const std::string& run,
                                                  const Collector& collector, const LiveBoard* board) {
  const auto colon = bind.rfind(':');
  if (colon == std::string::npos) return logic_error("serve the run's endpoint: '" + bind + "' is not ADDRESS:PORT");
  const std::string address = bind.substr(0, colon);
  const auto port = static_cast<uint16_t>(std::strtoul(bind.c_str() + colon + 1, nullptr, 10));
  auto impl = std::make_unique<Impl>();
  impl->run = run;
  impl->board = board;
  impl->collectable = std::make_shared<RunCollectable>(run, collector);
  Impl* self = impl.get();
  impl->server = std::make_unique<http::Server>(
      impl->io.get_executor(), [self](const http::Request& req) -> boost::asio::awaitable<http::Response> {
        co_return self->answer(req);
      });
  auto ep = impl->server->listen(address, port);
  if (!ep.ok())
    return wrap(ep.error(), "serve the run's endpoint on " + bind + " (is the port taken? set experiment.metrics_port)");
  impl->port = ep->port();
  impl->server->start();
  try {
    impl->thread = std::thread([self] { (void)http::run_io_threads(self->io, 1); });
  } catch (const std::system_error& e) {
    return sys_error(e.code().value(), "serve the run's endpoint: start its thread");
  }
  return std::unique_ptr<Exporter>(new Exporter(std::move(impl)));
}

uint16_t Exporter::port() const { return impl_->port; }

}  // namespace faultline::experiment
