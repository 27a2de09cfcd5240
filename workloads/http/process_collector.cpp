// SPDX-License-Identifier: Apache-2.0
#include "workloads/http/process_collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace faultline::workloads::http {

namespace {

double cpu_seconds() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// The second field of /proc/self/statm: resident pages.
double resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type, double value) {
  prometheus::MetricFamily f{name, help, type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  return {family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 prometheus::MetricType::Counter, cpu_seconds()),
          family("process_resident_memory_bytes", "Resident memory size in bytes.", prometheus::MetricType::Gauge,
                 resident_bytes())};
}

}  // namespace faultline::workloads::http
