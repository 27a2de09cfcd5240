// SPDX-License-Identifier: Apache-2.0
#include "workloads/service/service_app.hpp"

#include <algorithm>
#include <set>

#include "workloads/http/response.hpp"
#include "workloads/policy/deadline.hpp"
#include "workloads/service/held_memory.hpp"
#include "workloads/trace/trace_context.hpp"
#include "workloads/trace/wire.hpp"

namespace faultline::workloads::service {

namespace {

constexpr std::string_view kMetricsPath = "/metrics";

trace::SpanCause span_cause(policy::Shed s) {
  switch (s) {
    case policy::Shed::kQueueFull: return trace::SpanCause::kShedQueueFull;
    case policy::Shed::kQueueDelay: return trace::SpanCause::kShedQueueDelay;
    case policy::Shed::kAbandoned: return trace::SpanCause::kShedAbandoned;
  }
  return trace::SpanCause::kShedQueueFull;
}

trace::SpanCause span_cause(ErrorCause c) {
  switch (c) {
    case ErrorCause::kInjected: return trace::SpanCause::kInjected;
    case ErrorCause::kMemory: return trace::SpanCause::kMemory;
    case ErrorCause::kDownstream: return trace::SpanCause::kDownstream;
    case ErrorCause::kDeadline: return trace::SpanCause::kGatewayTimeout;
  }
  return trace::SpanCause::kDownstream;
}

trace::RecorderOptions recorder_options(const ServiceConfig& c) {
  trace::RecorderOptions o;
  o.enabled = c.records.enabled;
  o.capacity = c.records.capacity;
  o.seed = c.seed ^ 0x7265636f72647321ULL;  // a stream of its own: ids never shift the request draws
  return o;
}

std::string service_name(const ServiceConfig& c) {
  if (!c.service.name.empty()) return c.service.name;
  return c.node.empty() ? "service" : c.node;
}

bool burns_cpu(const spec::Service& s) {
  return std::any_of(s.endpoints.begin(), s.endpoints.end(), [](const auto& e) { return draws_time(e.work); });
}

double seconds(int64_t ns) { return static_cast<double>(ns) * 1e-9; }

}  // namespace

Status validate(const spec::Service& s) {
  if (s.endpoints.empty()) return logic_error("service has no endpoints");
  if (s.workers == 0) return logic_error("service has 0 workers");
  std::set<std::string> paths;
  for (const auto& e : s.endpoints) {
    if (e.path.empty() || e.path.front() != '/') return logic_error("endpoint path '" + e.path + "' must start with /");
    if (e.path == kMetricsPath) return logic_error("endpoint path /metrics is taken by the metrics");
    if (e.path == trace::kRecordsPath) return logic_error("endpoint path /records is taken by the request records");
    if (!paths.insert(e.path).second) return logic_error("endpoint path " + e.path + " appears twice");
  }
  return {};
}

ServiceApp::ServiceApp(asio::any_io_executor ex, const ServiceConfig& config)
    : config_(config),
      name_(service_name(config)),
      recorder_(recorder_options(config)),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_handler_(registry_),
      metrics_(*registry_, name_, config.service.workers, config.service.queue),
      rng_(config.seed),
      gate_(ex, config.service.workers, policy::admission_config(config.service), policy::SteadyClock::instance(),
            [g = &metrics_.queue_depth](uint32_t depth) { g->Set(depth); }),
      server_(ex, [this](const http::Request& req) { return handle(req); }) {
  // One CPU thread per worker slot: every request in service can burn at
  // once, sharing the cores as threads do.
  if (burns_cpu(config_.service)) cpu_ = std::make_unique<CpuPool>(config_.service.workers);
  for (const auto& e : config_.service.endpoints)
    endpoints_.push_back(std::make_unique<Endpoint>(ex, e, cpu_.get(), *registry_, name_, recorder_));
}

ServiceApp::Endpoint* ServiceApp::route(std::string_view path) {
  for (auto& e : endpoints_)
    if (e->runner.config().path == path) return e.get();
  return nullptr;
}

asio::awaitable<http::Response> ServiceApp::handle(const http::Request& req) {
  const int64_t arrival = policy::SteadyClock::read();
  const std::string_view path = http::target_path(req);
  if (path == kMetricsPath) co_return metrics_handler_.respond();
  if (path == trace::kRecordsPath) co_return http::binary_response(recorder_.drain(policy::SteadyClock::read()));
  Endpoint* ep = route(path);
  if (!ep) {
    metrics_.unmatched.Increment();
    co_return http::text_response(http::bhttp::status::not_found, "no such endpoint\n");
  }
  EndpointMetrics& m = ep->metrics;
  const spec::Endpoint& cfg = ep->runner.config();

  // The request's span: a child of the caller's attempt, or a new trace
  // when the caller sent no (valid) traceparent.
  std::optional<trace::TraceContext> parent;
  if (const auto h = req.find(trace::kTraceparentHeader); h != req.end())
    parent = trace::parse_traceparent(std::string_view(h->value().data(), h->value().size()));
  trace::Recorder::Span span;
  span.begin(&recorder_, parent ? *parent : recorder_.new_trace(true), trace::SpanKind::kRequest, ep->trace_name,
             arrival);
  auto finish = [&m, &span, arrival](http::Response res, trace::SpanCause cause = trace::SpanCause::kOk) {
    const int64_t end = policy::SteadyClock::read();
    m.count_response(res.result_int());
    m.duration.Observe(seconds(end - arrival));
    span.end(end, cause, static_cast<uint16_t>(res.result_int()));
    return res;
  };

  std::optional<int64_t> deadline;
  if (const auto h = req.find(policy::kDeadlineHeader); h != req.end())
    deadline = policy::deadline_from_header(arrival, std::string_view(h->value().data(), h->value().size()));

  // Held from arrival: a queued request costs its memory too.
  HeldMemory memory(cfg.request_memory_bytes);
  if (!memory.ok()) {
    m.count_error(ErrorCause::kMemory);
    co_return finish(http::text_response(http::bhttp::status::internal_server_error, "out of memory\n"),
                     trace::SpanCause::kMemory);
  }

  WorkerSlot slot;
  int64_t queued_ns = 0;
  if (auto s = gate_.try_acquire()) {
    slot = std::move(*s);
  } else {
    Admission a = co_await gate_.wait(deadline);
    if (a.shed) {
      m.count_shed(*a.shed);
      co_return finish(http::text_response(http::bhttp::status::service_unavailable, "shed\n"), span_cause(*a.shed));
    }
    slot = std::move(a.slot);
    queued_ns = a.queued_ns;
  }
  m.queue_delay.Observe(seconds(queued_ns));

  policy::Rng rng = rng_.fork(next_request_.fetch_add(1, std::memory_order_relaxed));
  m.inflight.Increment();
  const trace::TraceContext ctx = span.context();
  const ServeResult r = co_await ep->runner.serve(rng, deadline, ctx);
  m.inflight.Decrement();
  if (r.cause) {
    m.count_error(*r.cause);
    co_return finish(http::text_response(static_cast<http::bhttp::status>(r.status), to_string(*r.cause)),
                     span_cause(*r.cause));
  }
  co_return finish(http::sized_response(http::bhttp::status::ok, cfg.response_bytes));
}

void ServiceApp::shutdown() {
  // The pool goes now, not with this object: destroying the burns it never
  // started hands their requests to the io_context to be unwound, which the
  // caller then does while this object still lives.
  if (cpu_) cpu_->stop();
  cpu_.reset();
  gate_.close();
  for (auto& e : endpoints_) e->runner.shutdown();
}

}  // namespace faultline::workloads::service
