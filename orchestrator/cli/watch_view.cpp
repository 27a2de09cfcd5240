// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/cli/watch_view.hpp"

#include <cmath>
#include <optional>
#include <cstdio>

namespace faultline::cli {

namespace {

using nlohmann::json;

std::optional<double> number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}
std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string fmt(const char* f, double v) {
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string rate(std::optional<double> v) { return v ? fmt("%.1f", *v) : "-"; }
std::string count(std::optional<double> v) { return v ? fmt("%.0f", *v) : "-"; }
std::string secs(std::optional<double> v) {
  if (!v) return "-";
  if (*v < 1e-3) return fmt("%.0fus", *v * 1e6);
  if (*v < 1) return fmt("%.1fms", *v * 1e3);
  return fmt("%.2fs", *v);
}
std::string bytes(std::optional<double> v) {
  if (!v) return "-";
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = *v;
  int i = 0;
  while (x >= 1024 && i < 4) {
    x /= 1024;
    ++i;
  }
  return fmt(i == 0 ? "%.0f" : "%.1f", x) + u[i];
}

std::string health(const std::string& h, bool colour) {
  if (!colour) return h;
  const char* c = h == "healthy" ? "32" : h == "degraded" ? "33" : h == "failed" ? "1;31" : "2";
  return std::string("\x1b[") + c + "m" + h + "\x1b[0m";
}

// Pads to width, counting only what shows (not the colour escapes).
std::string pad(const std::string& s, size_t width, bool right = false) {
  size_t shown = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++shown;
  }
  const std::string fill(shown < width ? width - shown : 0, ' ');
  return right ? fill + s : s + fill;
}

const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

}  // namespace

std::string render_watch(const json& now, bool colour) {
  std::string o;
  const auto t = number(now, "t_s");
  o += "faultline watch: run " + text(now, "run");
  if (!text(now, "experiment").empty()) o += " (" + text(now, "experiment") + ", by " + text(now, "source") + ")";
  o += "  t=" + (t ? fmt("%.1f s", *t) : std::string("-"));
  if (!text(now, "phase").empty()) o += "  " + text(now, "phase");
  if (now.value("ended", false)) o += "  ENDED";
  o += "\n";
  if (!text(now, "page").empty()) o += "live page: " + text(now, "page") + "\n";
  o += text(now, "verdict") + "\n\n";

  o += pad("SERVICE", 16) + pad("NODE", 12) + pad("HEALTH", 10) + pad("REQ/S", 9, true) + pad("ERR/S", 9, true) +
       pad("P99", 10, true) + pad("QUEUE", 7, true) + pad("BREAKERS", 10, true) + "\n";
  if (arr(now, "services").empty()) o += "  none: the nodes run their own programs (what the kernels saw is below)\n";
  for (const auto& s : arr(now, "services")) {
    const bool down = number(s, "up") && *number(s, "up") == 0;
    o += pad(text(s, "name"), 16) + pad(text(s, "node"), 12) + pad(health(text(s, "health"), colour), 10) +
         pad(rate(number(s, "requests_rps")), 9, true) + pad(rate(number(s, "errors_rps")), 9, true) +
         pad(secs(number(s, "p99_s")), 10, true) + pad(count(number(s, "queue_depth")), 7, true) +
         pad(count(number(s, "breakers_open")) + (number(s, "breakers_open").value_or(0) > 0 ? " open" : ""), 10, true) +
         (down ? "  not answering" : "") + "\n";
  }
  if (!arr(now, "loads").empty()) {
    o += "\n" + pad("LOAD", 28) + pad("OFFERED/S", 11, true) + pad("GOODPUT/S", 11, true) + pad("ERR/S", 9, true) +
         pad("P99", 10, true) + "\n";
    for (const auto& l : arr(now, "loads"))
      o += pad(text(l, "name"), 28) + pad(rate(number(l, "offered_rps")), 11, true) +
           pad(rate(number(l, "goodput_rps")), 11, true) + pad(rate(number(l, "errors_rps")), 9, true) +
           pad(secs(number(l, "p99_s")), 10, true) + "\n";
  }
  o += "\n" + pad("NODE", 16) + pad("CPU cores (limit)", 22) + pad("MEMORY (limit)", 24) + pad("OOM", 5) +
       pad("THROTTLED", 11, true) + pad("RUNQ WAIT", 11, true) + pad("PER WAIT", 10, true) + "\n";
  for (const auto& n : arr(now, "nodes")) {
    const auto cl = number(n, "cpu_limit_cores"), ml = number(n, "memory_limit_bytes");
    const auto share = number(n, "runq_wait_share");
    o += pad(text(n, "name"), 16) + pad(fmt("%.2f", number(n, "cpu_cores").value_or(NAN)) + (cl ? fmt(" / %.2f", *cl) : " / -"), 22) +
         pad(bytes(number(n, "memory_bytes")) + " / " + (ml ? bytes(ml) : "-"), 24) + pad(count(number(n, "oom_kills")), 5) +
         pad(secs(number(n, "cpu_throttled_s")), 11, true) + pad(share ? fmt("%.2f s/s", *share) : "-", 11, true) +
         pad(secs(number(n, "runq_delay_s")), 10, true) + "\n";
  }
  // The flow view: what the kernels saw on the wire between node pairs.
  if (!arr(now, "flows").empty()) {
    o += "\n" + pad("ON THE WIRE", 24) + pad("PKT/S", 9, true) + pad("RETRANS/S", 11, true) + pad("DROPS/S", 9, true) +
         pad("RST/S", 8, true) + pad("FAILED CONN/S", 15, true) + pad("SRTT", 9, true) + "\n";
    for (const auto& f : arr(now, "flows")) {
      const auto rs = number(f, "resets_sent_ps"), rr = number(f, "resets_received_ps");
      const std::optional<double> resets = rs || rr ? std::optional<double>(rs.value_or(0) + rr.value_or(0)) : std::nullopt;
      o += pad(text(f, "pair"), 24) + pad(rate(number(f, "flow_pps")), 9, true) +
           pad(rate(number(f, "retransmits_ps")), 11, true) + pad(rate(number(f, "drops_pps")), 9, true) +
           pad(rate(resets), 8, true) + pad(rate(number(f, "connects_failed_ps")), 15, true) +
           pad(secs(number(f, "srtt_s")), 9, true) + "\n";
    }
  }
  o += "\nFAULTS IN FORCE\n";
  if (arr(now, "faults").empty()) o += "  none\n";
  for (const auto& f : arr(now, "faults")) {
    const auto left = number(f, "remaining_s");
    o += "  " + pad(text(f, "target"), 22) + pad(text(f, "what"), 34) + " since " +
         fmt("%.1f s", number(f, "since_s").value_or(NAN)) + ", " +
         (left ? fmt("%.1f s left", *left) : std::string("until cleared")) + "\n";
  }
  return o;
}

}  // namespace faultline::cli
