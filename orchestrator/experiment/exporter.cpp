#include "orchestrator/experiment/exporter.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <map>

#include "orchestrator/experiment/collector.hpp"

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

}  // namespace

struct Exporter::Impl {
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<RunCollectable> collectable;
};

Exporter::Exporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Exporter::~Exporter() {
  if (impl_ && impl_->exposer) impl_->exposer->RemoveCollectable(impl_->collectable);
}

Result<std::unique_ptr<Exporter>> Exporter::start(const std::string& bind, const std::string& run,
                                                  const Collector& collector) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->exposer = std::make_unique<prometheus::Exposer>(bind, 2);
  } catch (const std::exception& e) {
    return logic_error("serve the run's Prometheus endpoint on " + bind + ": " + e.what() +
                       " (is the port taken? set experiment.metrics_port)");
  }
  impl->collectable = std::make_shared<RunCollectable>(run, collector);
  impl->exposer->RegisterCollectable(impl->collectable);
  return std::unique_ptr<Exporter>(new Exporter(std::move(impl)));
}

uint16_t Exporter::port() const {
  auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
}

}  // namespace faultline::experiment
