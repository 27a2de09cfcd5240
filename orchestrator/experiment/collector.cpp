// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/collector.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <system_error>
#include <thread>

#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using SteadyClock = std::chrono::steady_clock;
// A workload holds at most 2^18 spans of 64 bytes between pulls (16 MiB),
// plus its names and the open ones.
constexpr uint64_t kRecordsBodyLimit = uint64_t{64} << 20;

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
using measure::Labels;
using measure::Sample;
using Pred = std::function<bool(const Sample&)>;
using measure::sum_if;

Pred label_is(std::string key, std::string value) {
  return [key = std::move(key), value = std::move(value)](const Sample& s) {
    const std::string* v = s.label(key);
    return v && *v == value;
  };
}

Pred all_of(Pred a, Pred b) {
  return [a = std::move(a), b = std::move(b)](const Sample& s) { return a(s) && b(s); };
}

// Per-second rate of a counter between two scrapes; a smaller value means
// the workload restarted and counts from zero again.
double rate(double now, double before, double dt) {
  if (!(dt > 0)) return kNaN;
  return (now >= before ? now - before : now) / dt;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// user+nice+system+irq+softirq+steal and the total, from /proc/stat's cpu line.
bool host_cpu(uint64_t& busy, uint64_t& total) {
  std::ifstream f("/proc/stat");
  std::string cpu;
  uint64_t v[8] = {};
  if (!(f >> cpu) || cpu != "cpu") return false;
  for (auto& x : v) f >> x;
  busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  total = busy + v[3] + v[4];
  return true;
}

}  // namespace

std::chrono::milliseconds scrape_timeout(int64_t tick_ns) {
  const int64_t ms = tick_ns / 1'000'000 * 8 / 10;
  return std::chrono::milliseconds(std::clamp<int64_t>(ms, 50, 250));
}

std::map<std::string, uint64_t> ended_per_source(const model::Topology& topo,
                                                 const std::vector<runtime::ProcessExit>& exits) {
  std::map<std::string, uint64_t> ended;
  const auto targets = scrape_targets(topo);
  using plan::ProcessRole;
  for (const auto& e : exits)
    for (const auto& t : targets) {
      if (t.node != e.node) continue;
      const auto& k = e.kind;
      const bool mine = k.role == ProcessRole::kUnknown ||
                        (t.kind == ScrapeTarget::Kind::kLoad && k.role == ProcessRole::kLoad) ||
                        (t.kind == ScrapeTarget::Kind::kService && k.role == ProcessRole::kService &&
                         k.service == t.name);
      if (mine) ++ended[t.name];
    }
  return ended;
}

std::vector<ScrapeTarget> scrape_targets(const model::Topology& topo) {
  std::vector<ScrapeTarget> out;
  for (const auto& n : topo.nodes) {
    for (const auto& s : n.services) out.push_back({ScrapeTarget::Kind::kService, n.name, s.name, s.port});
    if (n.load) out.push_back({ScrapeTarget::Kind::kLoad, n.name, series::load_name(n.name), n.load->metrics_port});
  }
  return out;
}

std::vector<Edge> call_edges(const model::Topology& topo) {
  auto service_at = [&](const std::string& node, uint16_t port) -> std::string {
    if (const auto* n = topo.find_node(node))
      for (const auto& s : n->services)
        if (s.port == port) return s.name;
    return node + ":" + std::to_string(port);
  };
  std::vector<Edge> out;
  auto add = [&](const std::string& caller, const model::NodeId& caller_node, const std::string& node, uint16_t port) {
    Edge e{caller, service_at(node, port), node + ":" + std::to_string(port), caller_node};
    for (const auto& x : out)
      if (x.caller == e.caller && x.callee == e.callee) return;
    out.push_back(std::move(e));
  };
  for (const auto& n : topo.nodes) {
    if (n.load) add(series::load_name(n.name), n.name, n.load->target_node, n.load->target_port);
    for (const auto& s : n.services)
      for (const auto& ep : s.endpoints)
        for (const auto& c : ep.calls) add(s.name, n.name, c.to_node, c.to_port);
  }
  return out;
}

struct Collector::TargetState {
  ScrapeTarget target;
  UniqueFd netns;
  std::optional<measure::Scraper> scraper;
  std::vector<Sample> prev;
  // When prev was read: rates are over the time between two reads, not the
  // nominal tick (a read may wait for a slow workload, or a tick run late).
  std::optional<SteadyClock::time_point> prev_at;
  std::vector<Sample> latest;
  // This tick's answers, read in parallel with the others.
  Result<std::string> body = std::string();
  Result<std::string> records = std::string();
  bool records_warned = false;
  SteadyClock::time_point at;
  std::map<std::string, double> breaker;  // downstream -> last state seen
};

struct Collector::NodeState {
  std::string node;
  runtime::Cgroup* cgroup = nullptr;
  std::optional<runtime::CgroupUsage> prev;
  SteadyClock::time_point prev_at;
  uint64_t oom_seen = 0;
};

Result<std::unique_ptr<Collector>> Collector::open(runtime::Run& run, const model::Topology& topo,
                                                   const std::string& csv_path, EventLog& events,
                                                   const std::string& records_path) {
  std::unique_ptr<Collector> c(new Collector);
  auto records = RecordStore::open(records_path);
  if (!records.ok()) return records.error();
  c->records_ = std::move(records.value());
  c->topo_ = &topo;
  c->events_ = &events;
  c->edges_ = call_edges(topo);
  c->csv_ = std::fopen(csv_path.c_str(), "we");
  if (!c->csv_) return sys_error("create " + csv_path);
  std::fputs("t,node,service,metric,value\n", c->csv_);
  for (const auto& t : scrape_targets(topo)) {
    auto ts = std::make_unique<TargetState>();
    ts->target = t;
    const auto* h = run.holder(t.node);
    if (!h) return logic_error("collector: no namespace holder for node " + t.node);
    auto ns = runtime::open_ns(h->id().pid, "net");
    if (!ns.ok()) return wrap(ns.error(), "collector: open the network namespace of " + t.node);
    ts->netns = std::move(ns.value());
    // Short timeout: a workload too busy to answer within it is recorded as
    // missing (unresponsive) for the tick rather than delaying the tick: at
    // most 250 ms, and within a fast tick (reads run in parallel).
    ts->scraper.emplace(ts->netns.get(), t.port, scrape_timeout(topo.experiment.tick_ns));
    c->targets_.push_back(std::move(ts));
  }
  for (const auto& n : topo.nodes) {
    auto ns = std::make_unique<NodeState>();
    ns->node = n.name;
    ns->cgroup = run.cgroup(n.name);
    c->nodes_.push_back(std::move(ns));
  }
  for (const auto& t : c->targets_)
    (t->target.kind == ScrapeTarget::Kind::kService ? c->totals_.services : c->totals_.loads)
        .push_back({t->target.node, t->target.name});
  for (const auto& n : topo.nodes) c->totals_.nodes.push_back(n.name);
  for (const auto& e : c->edges_) c->totals_.edges.push_back({e.caller, e.caller_node, e.series()});
  c->net_ = std::make_unique<LinkCounters>(run);
  (void)c->net_->tick(0);  // the counters' starting values
  c->flows_ = std::make_unique<FlowCounters>(run);
  (void)c->flows_->tick(0);
  c->net_prev_at_ = SteadyClock::now();
  host_cpu(c->host_busy_prev_, c->host_total_prev_);
  return c;
}

Collector::~Collector() {
  if (csv_) std::fclose(csv_);
}

void Collector::record(size_t tick, double t_s, const std::string& node, const std::string& service,
                       const std::string& metric, double value) {
  store_.set(tick, {node, service, metric}, value);
  if (csv_ && std::isfinite(value))
    std::fprintf(csv_, "%.3f,%s,%s,%s,%.9g\n", t_s, csv_field(node).c_str(), csv_field(service).c_str(),
                 metric.c_str(), value);
}

void Collector::tick(size_t tick, double t_s) {
  store_.set_time(tick, t_s);
  // Every workload is read at once, each on its own thread (a socket in its
  // node's namespace, an io_context of its own): one that does not answer
  // delays no other, and the tick takes the slowest answer, not their sum.
  {
    auto read = [](TargetState* t) {
      t->body = t->scraper->get("/metrics");
      t->at = SteadyClock::now();
      // The spans since the last pull, right after: a workload that did not
      // answer /metrics is not asked again this tick.
      t->records = t->body.ok() ? t->scraper->get(std::string(workloads::trace::kRecordsPath), kRecordsBodyLimit)
                                : Result<std::string>(t->body.error());
    };
    std::vector<std::jthread> readers;
    readers.reserve(targets_.size());
    for (auto& ts : targets_) {
      try {
        readers.emplace_back(read, ts.get());
      } catch (const std::system_error&) {
        read(ts.get());  // no thread to spare (EAGAIN): read it here, late rather than never
      }
    }
  }
  for (auto& ts : targets_) collect_target(*ts, tick, t_s);
  for (auto& ns : nodes_) collect_node(*ns, tick, t_s);
  if (net_) {
    // Rates from the second tick on, like the workloads': the first would
    // span only the moments between open() and it.
    const auto now = SteadyClock::now();
    const auto net = net_->tick(tick == 0 ? 0 : seconds_between(net_prev_at_, now));
    const auto flows = flows_->tick(tick == 0 ? 0 : seconds_between(net_prev_at_, now));
    if (tick > 0) {
      for (const auto& n : net) record(tick, t_s, n.node, n.service, n.metric, n.value);
      for (const auto& n : flows) record(tick, t_s, n.node, n.service, n.metric, n.value);
    }
    net_prev_at_ = now;
  }
  collect_host(tick, t_s);
  for (const auto& f : derive_totals(store_, tick, totals_)) record(tick, t_s, f.key.node, f.key.service, f.key.metric, f.value);
  if (csv_) std::fflush(csv_);
  // What the host's Prometheus endpoint serves until the next tick: a copy,
  // since the store grows under the exposer's feet.
  std::vector<Figure> figures;
  for (const auto& [key, series] : store_.all())
    if (tick < series.size() && std::isfinite(series[tick])) figures.push_back({key, series[tick]});
  std::lock_guard lock(latest_mu_);
  latest_figures_ = std::move(figures);
}

void Collector::collect_target(TargetState& ts, size_t tick, double t_s) {
  const auto& t = ts.target;
  if (ts.records.ok()) {
    Status s = records_.add(t.name, *ts.records);
    if (!s.ok() && !ts.records_warned) {
      ts.records_warned = true;  // once per workload: the analysis says what it lacked
      events_->add(t_s, "warning", {{"what", "request records of " + t.name + ": " + s.error().message()}});
    }
  }
  std::vector<Sample> cur;
  if (ts.body.ok()) {
    auto parsed = measure::parse_prom_text(*ts.body);
    if (parsed.ok()) cur = std::move(parsed.value());
  }
  // Whether it answered at all: a service that cannot answer a scrape within
  // the timeout (starved of CPU, paused, dead) counts as degraded.
  record(tick, t_s, t.node, t.name, series::kUp, cur.empty() ? 0.0 : 1.0);
  if (cur.empty()) return;  // missing this tick: the next scrape's rates span the gap
  {
    std::lock_guard lock(latest_mu_);
    ts.latest = cur;
  }
  const bool first = !ts.prev_at.has_value();
  const double dt = first ? 0 : seconds_between(*ts.prev_at, ts.at);
  auto r = [&](std::string_view name, const Pred& pred) {
    return first ? kNaN : rate(sum_if(cur, name, pred), sum_if(ts.prev, name, pred), dt);
  };
  auto q = [&](std::string_view base, const Labels& match, double quant) {
    if (first) return kNaN;
    return measure::quantile(
        measure::bucket_delta(measure::histogram_buckets(cur, base, match), measure::histogram_buckets(ts.prev, base, match)),
        quant);
  };
  const std::string& node = t.node;
  if (t.kind == ScrapeTarget::Kind::kService) {
    const std::string& svc = t.name;
    const Pred mine = label_is("service", svc);
    const Pred ok2xx = all_of(mine, [](const Sample& s) {
      const std::string* c = s.label("code");
      return c && !c->empty() && (*c)[0] == '2';
    });
    const double all = r("faultline_requests_total", mine), good = r("faultline_requests_total", ok2xx);
    record(tick, t_s, node, svc, series::kGoodputRps, good);
    record(tick, t_s, node, svc, series::kErrorsRps, all - good);
    record(tick, t_s, node, svc, series::kRequestsRps, all);
    record(tick, t_s, node, svc, series::kP50, q("faultline_request_duration_seconds", {{"service", svc}}, 0.5));
    record(tick, t_s, node, svc, series::kP99, q("faultline_request_duration_seconds", {{"service", svc}}, 0.99));
    record(tick, t_s, node, svc, series::kQueueDepth, sum_if(cur, "faultline_queue_depth", mine));
    record(tick, t_s, node, svc, series::kInflight, sum_if(cur, "faultline_inflight_requests", mine));
    record(tick, t_s, node, svc, series::kShedRps, r("faultline_shed_total", mine));
    // Refused by a control (budget, throttle); a retry refused because the
    // caller's deadline left no time for it is no control engaging.
    const Pred by_control = all_of(mine, [](const Sample& s) {
      const std::string* why = s.label("reason");
      return why && (*why == "budget" || *why == "throttle");
    });
    record(tick, t_s, node, svc, series::kRetriesRefusedRps, r("faultline_downstream_retries_denied_total", by_control));
    double open = 0;
    for (const auto& s : cur) {
      if (s.name != "faultline_breaker_state" || !mine(s)) continue;
      const std::string* ds = s.label("downstream");
      if (s.value == 1) ++open;
      const std::string key = ds ? *ds : "";
      auto it = ts.breaker.find(key);
      if (it != ts.breaker.end() && it->second != s.value) {
        static const char* kNames[] = {"closed", "open", "half_open"};
        const int v = static_cast<int>(s.value);
        events_->add(t_s, "breaker",
                     {{"service", svc}, {"downstream", key}, {"to", v >= 0 && v <= 2 ? kNames[v] : "unknown"}});
      }
      ts.breaker[key] = s.value;
    }
    record(tick, t_s, node, svc, series::kBreakerOpen, open);
    for (const auto& e : edges_) {
      if (e.caller != svc) continue;
      const Pred edge = all_of(mine, label_is("downstream", e.downstream_label));
      record(tick, t_s, node, e.series(), series::kAttemptsRps, r("faultline_downstream_attempts_total", edge));
      record(tick, t_s, node, e.series(), series::kCallsRps, r("faultline_downstream_calls_total", edge));
    }
  } else {
    const std::string& load = t.name;
    const Pred any;
    record(tick, t_s, node, load, series::kOfferedRps, r("faultline_load_offered_total", any));
    record(tick, t_s, node, load, series::kGoodputRps, r("faultline_load_goodput_total", any));
    record(tick, t_s, node, load, series::kAttemptsRps, r("faultline_load_attempts_total", any));
    record(tick, t_s, node, load, series::kErrorsRps, r("faultline_load_errors_total", any));
    record(tick, t_s, node, load, series::kP50, q("faultline_load_latency_seconds", {}, 0.5));
    record(tick, t_s, node, load, series::kP99, q("faultline_load_latency_seconds", {}, 0.99));
    for (const auto& e : edges_)
      if (e.caller == load)
        record(tick, t_s, node, e.series(), series::kAttemptsRps, r("faultline_load_attempts_total", any));
  }
  ts.prev = std::move(cur);
  ts.prev_at = ts.at;
}

void Collector::collect_node(NodeState& ns, size_t tick, double t_s) {
  if (!ns.cgroup) return;
  auto u = ns.cgroup->usage();
  if (!u.ok()) return;
  const auto now = SteadyClock::now();
  const double dt = ns.prev ? seconds_between(ns.prev_at, now) : 0;
  if (ns.prev && dt > 0) {
    const double cpu_ns = u->cpu_usage_ns >= ns.prev->cpu_usage_ns ? u->cpu_usage_ns - ns.prev->cpu_usage_ns : 0;
    record(tick, t_s, ns.node, "", series::kCpuCores, cpu_ns / 1e9 / dt);
    const double thr = u->throttled_ns >= ns.prev->throttled_ns ? u->throttled_ns - ns.prev->throttled_ns : 0;
    record(tick, t_s, ns.node, "", series::kCpuThrottled, thr / 1e9);
  }
  record(tick, t_s, ns.node, "", series::kMemoryBytes, static_cast<double>(u->memory_bytes));
  record(tick, t_s, ns.node, "", series::kOomKills, static_cast<double>(u->oom_kills));
  if (u->oom_kills > ns.oom_seen) {
    events_->add(t_s, "oom", {{"node", ns.node}, {"count", u->oom_kills}});
    ns.oom_seen = u->oom_kills;
  }
  ns.prev = *u;
  ns.prev_at = now;
}

void Collector::collect_host(size_t tick, double t_s) {
  uint64_t busy, total;
  if (!host_cpu(busy, total)) return;
  const uint64_t db = busy - host_busy_prev_, dtot = total - host_total_prev_;
  host_busy_prev_ = busy;
  host_total_prev_ = total;
  if (dtot == 0) return;
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  const double cores = static_cast<double>(db) / static_cast<double>(dtot) * static_cast<double>(cpus);
  record(tick, t_s, series::kHost, "", series::kHostCpuCores, cores);
}

std::vector<LatestScrape> Collector::latest() const {
  std::lock_guard lock(latest_mu_);
  std::vector<LatestScrape> out;
  for (const auto& ts : targets_) out.push_back({ts->target.node, ts->target.name, ts->latest});
  return out;
}

std::vector<Figure> Collector::latest_figures() const {
  std::lock_guard lock(latest_mu_);
  return latest_figures_;
}

}  // namespace faultline::experiment
