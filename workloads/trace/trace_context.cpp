// SPDX-License-Identifier: Apache-2.0
#include "workloads/trace/trace_context.hpp"

namespace faultline::workloads::trace {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Lowercase hex digits only, as the spec requires (HEXDIGLC).
std::optional<uint64_t> hex_u64(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

void put_hex(char* out, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
}

}  // namespace

std::optional<TraceContext> parse_traceparent(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.size() < kTraceparentSize) return std::nullopt;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const auto version = hex_u64(v.substr(0, 2));
  if (!version || *version == 0xff) return std::nullopt;
  if (*version == 0 ? v.size() != kTraceparentSize : (v.size() > kTraceparentSize && v[kTraceparentSize] != '-'))
    return std::nullopt;
  const auto hi = hex_u64(v.substr(3, 16)), lo = hex_u64(v.substr(19, 16));
  const auto parent = hex_u64(v.substr(36, 16));
  const auto flags = hex_u64(v.substr(53, 2));
  if (!hi || !lo || !parent || !flags) return std::nullopt;
  if ((*hi | *lo) == 0 || *parent == 0) return std::nullopt;
  return TraceContext{*hi, *lo, *parent, (*flags & 1) != 0};
}

void format_traceparent(const TraceContext& c, char (&out)[kTraceparentSize]) {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  put_hex(out + 3, c.trace_hi, 16);
  put_hex(out + 19, c.trace_lo, 16);
  out[35] = '-';
  put_hex(out + 36, c.span_id, 16);
  out[52] = '-';
  out[53] = '0';
  out[54] = c.sampled ? '1' : '0';
}

std::string format_traceparent(const TraceContext& c) {
  char b[kTraceparentSize];
  format_traceparent(c, b);
  return std::string(b, kTraceparentSize);
}

std::string trace_id_hex(uint64_t hi, uint64_t lo) {
  std::string s(32, '0');
  put_hex(s.data(), hi, 16);
  put_hex(s.data() + 16, lo, 16);
  return s;
}

std::string span_id_hex(uint64_t id) {
  std::string s(16, '0');
  put_hex(s.data(), id, 16);
  return s;
}

}  // namespace faultline::workloads::trace
