#include "orchestrator/experiment/collector.hpp"

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/run.hpp"

namespace faultline::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
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

std::vector<ScrapeTarget> scrape_targets(const model::Topology& topo) {
  std::vector<ScrapeTarget> out;
  for (const auto& n : topo.nodes) {
    for (const auto& s : n.services) out.push_back({ScrapeTarget::Kind::kService, n.name, s.name, s.port});
    if (n.load) out.push_back({ScrapeTarget::Kind::kLoad, n.name, "load:" + n.name, n.load->metrics_port});
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
  auto add = [&](const std::string& caller, const std::string& node, uint16_t port) {
    Edge e{caller, service_at(node, port), node + ":" + std::to_string(port)};
    for (const auto& x : out)
      if (x.caller == e.caller && x.callee == e.callee) return;
    out.push_back(std::move(e));
  };
  for (const auto& n : topo.nodes) {
    if (n.load) add("load:" + n.name, n.load->target_node, n.load->target_port);
    for (const auto& s : n.services)
      for (const auto& ep : s.endpoints)
        for (const auto& c : ep.calls) add(s.name, c.to_node, c.to_port);
  }
  return out;
}

struct Collector::TargetState {
  ScrapeTarget target;
  UniqueFd netns;
  std::optional<measure::Scraper> scraper;
  std::vector<Sample> prev;
  std::optional<double> prev_t;
  std::vector<Sample> latest;
  std::map<std::string, double> breaker;  // downstream -> last state seen
};

struct Collector::NodeState {
  std::string node;
  runtime::Cgroup* cgroup = nullptr;
  std::optional<runtime::CgroupUsage> prev;
  uint64_t oom_seen = 0;
};

Result<std::unique_ptr<Collector>> Collector::open(runtime::Run& run, const model::Topology& topo,
                                                   const std::string& csv_path, EventLog& events) {
  std::unique_ptr<Collector> c(new Collector);
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
    // missing for the tick rather than stalling every other measurement.
    ts->scraper.emplace(ts->netns.get(), t.port, std::chrono::milliseconds(250));
    c->targets_.push_back(std::move(ts));
  }
  for (const auto& n : topo.nodes) {
    auto ns = std::make_unique<NodeState>();
    ns->node = n.name;
    ns->cgroup = run.cgroup(n.name);
    c->nodes_.push_back(std::move(ns));
  }
  c->net_ = std::make_unique<LinkCounters>(run);
  (void)c->net_->tick(0);  // the counters' starting values
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
  const double dt = last_t_ ? t_s - *last_t_ : 0;
  for (auto& ts : targets_) collect_target(*ts, tick, t_s, dt);
  for (auto& ns : nodes_) collect_node(*ns, tick, t_s, dt);
  if (net_)
    for (const auto& n : net_->tick(dt)) record(tick, t_s, n.node, n.service, n.metric, n.value);
  collect_host(tick, t_s, dt);
  collect_system(tick, t_s);
  if (csv_) std::fflush(csv_);
  last_t_ = t_s;
}

void Collector::collect_target(TargetState& ts, size_t tick, double t_s, double /*dt*/) {
  const auto& t = ts.target;
  auto body = ts.scraper->get("/metrics");
  std::vector<Sample> cur;
  if (body.ok()) {
    auto parsed = measure::parse_prom_text(*body);
    if (parsed.ok()) cur = std::move(parsed.value());
  }
  // Whether it answered at all: a service that cannot answer a scrape within
  // the timeout (starved of CPU, paused, dead) counts as degraded.
  record(tick, t_s, t.node, t.name, "up", cur.empty() ? 0.0 : 1.0);
  if (cur.empty()) return;  // missing this tick: the next scrape's rates span the gap
  {
    std::lock_guard lock(latest_mu_);
    ts.latest = cur;
  }
  const bool first = !ts.prev_t.has_value();
  const double dt = first ? 0 : t_s - *ts.prev_t;
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
    record(tick, t_s, node, svc, "goodput_rps", good);
    record(tick, t_s, node, svc, "errors_rps", all - good);
    record(tick, t_s, node, svc, "requests_rps", all);
    record(tick, t_s, node, svc, "p50_s", q("faultline_request_duration_seconds", {{"service", svc}}, 0.5));
    record(tick, t_s, node, svc, "p99_s", q("faultline_request_duration_seconds", {{"service", svc}}, 0.99));
    record(tick, t_s, node, svc, "queue_depth", sum_if(cur, "faultline_queue_depth", mine));
    record(tick, t_s, node, svc, "inflight", sum_if(cur, "faultline_inflight_requests", mine));
    record(tick, t_s, node, svc, "shed_rps", r("faultline_shed_total", mine));
    record(tick, t_s, node, svc, "retries_refused_rps", r("faultline_downstream_retries_denied_total", mine));
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
    record(tick, t_s, node, svc, "breaker_open", open);
    for (const auto& e : edges_) {
      if (e.caller != svc) continue;
      const Pred edge = all_of(mine, label_is("downstream", e.downstream_label));
      record(tick, t_s, node, e.caller + "->" + e.callee, "attempts_rps", r("faultline_downstream_attempts_total", edge));
      record(tick, t_s, node, e.caller + "->" + e.callee, "calls_rps", r("faultline_downstream_calls_total", edge));
    }
  } else {
    const std::string& load = t.name;
    const Pred any;
    record(tick, t_s, node, load, "offered_rps", r("faultline_load_offered_total", any));
    record(tick, t_s, node, load, "goodput_rps", r("faultline_load_goodput_total", any));
    record(tick, t_s, node, load, "attempts_rps", r("faultline_load_attempts_total", any));
    record(tick, t_s, node, load, "errors_rps", r("faultline_load_errors_total", any));
    record(tick, t_s, node, load, "p50_s", q("faultline_load_latency_seconds", {}, 0.5));
    record(tick, t_s, node, load, "p99_s", q("faultline_load_latency_seconds", {}, 0.99));
    for (const auto& e : edges_)
      if (e.caller == load)
        record(tick, t_s, node, e.caller + "->" + e.callee, "attempts_rps", r("faultline_load_attempts_total", any));
  }
  ts.prev = std::move(cur);
  ts.prev_t = t_s;
}

void Collector::collect_node(NodeState& ns, size_t tick, double t_s, double dt) {
  if (!ns.cgroup) return;
  auto u = ns.cgroup->usage();
  if (!u.ok()) return;
  if (ns.prev && dt > 0) {
    const double cpu_ns = u->cpu_usage_ns >= ns.prev->cpu_usage_ns ? u->cpu_usage_ns - ns.prev->cpu_usage_ns : 0;
    record(tick, t_s, ns.node, "", "cpu_cores", cpu_ns / 1e9 / dt);
    const double thr = u->throttled_ns >= ns.prev->throttled_ns ? u->throttled_ns - ns.prev->throttled_ns : 0;
    record(tick, t_s, ns.node, "", "cpu_throttled_s", thr / 1e9);
  }
  record(tick, t_s, ns.node, "", "memory_bytes", static_cast<double>(u->memory_bytes));
  record(tick, t_s, ns.node, "", "oom_kills", static_cast<double>(u->oom_kills));
  if (u->oom_kills > ns.oom_seen) {
    events_->add(t_s, "oom", {{"node", ns.node}, {"count", u->oom_kills}});
    ns.oom_seen = u->oom_kills;
  }
  ns.prev = *u;
}

void Collector::collect_host(size_t tick, double t_s, double /*dt*/) {
  uint64_t busy, total;
  if (!host_cpu(busy, total)) return;
  const uint64_t db = busy - host_busy_prev_, dtot = total - host_total_prev_;
  host_busy_prev_ = busy;
  host_total_prev_ = total;
  if (dtot == 0) return;
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  const double cores = static_cast<double>(db) / static_cast<double>(dtot) * static_cast<double>(cpus);
  record(tick, t_s, "host", "", "host_cpu_cores", cores);
  host_sum_ += cores;
  host_max_ = std::max(host_max_, cores);
  ++host_n_;
}

void Collector::collect_system(size_t tick, double t_s) {
  // The whole system, as its clients see it: the load generators summed.
  double offered = 0, goodput = 0, attempts = 0;
  bool any = false;
  for (const auto& ts : targets_) {
    if (ts->target.kind != ScrapeTarget::Kind::kLoad) continue;
    auto v = [&](const char* m) {
      const auto& s = store_.get({ts->target.node, ts->target.name, m});
      return tick < s.size() ? s[tick] : kNaN;
    };
    if (!std::isfinite(v("offered_rps"))) continue;
    any = true;
    offered += v("offered_rps");
    goodput += std::isfinite(v("goodput_rps")) ? v("goodput_rps") : 0;
    attempts += std::isfinite(v("attempts_rps")) ? v("attempts_rps") : 0;
  }
  if (!any) return;
  record(tick, t_s, "", "system", "offered_rps", offered);
  record(tick, t_s, "", "system", "goodput_rps", goodput);
  record(tick, t_s, "", "system", "attempts_rps", attempts);
  // p99 of the system: the worst load generator's (each client's own view).
  double worst = kNaN;
  for (const auto& ts : targets_) {
    if (ts->target.kind != ScrapeTarget::Kind::kLoad) continue;
    const auto& s = store_.get({ts->target.node, ts->target.name, "p99_s"});
    if (tick < s.size() && std::isfinite(s[tick])) worst = std::isfinite(worst) ? std::max(worst, s[tick]) : s[tick];
  }
  record(tick, t_s, "", "system", "p99_s", worst);
}

std::vector<LatestScrape> Collector::latest() const {
  std::lock_guard lock(latest_mu_);
  std::vector<LatestScrape> out;
  for (const auto& ts : targets_) out.push_back({ts->target.node, ts->target.name, ts->latest});
  return out;
}

double Collector::host_cpu_mean() const { return host_n_ ? host_sum_ / host_n_ : kNaN; }
double Collector::host_cpu_max() const { return host_n_ ? host_max_ : kNaN; }

}  // namespace faultline::experiment
