// SPDX-License-Identifier: Apache-2.0
#include "workloads/trace/wire.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace faultline::workloads::trace {

void encode(const std::vector<std::string>& names, const SpanRecord* done, size_t n_done, const SpanRecord* open,
            size_t n_open, uint64_t dropped, uint64_t unsampled, int64_t now_ns, std::string& out) {
  WireHeader h;
  h.names = static_cast<uint32_t>(names.size());
  h.done = static_cast<uint32_t>(n_done);
  h.open = static_cast<uint32_t>(n_open);
  h.dropped = dropped;
  h.unsampled = unsampled;
  h.now_ns = now_ns;
  size_t size = sizeof h + (n_done + n_open) * sizeof(SpanRecord);
  for (const auto& n : names) size += 2 + n.size();
  out.reserve(out.size() + size);
  out.append(reinterpret_cast<const char*>(&h), sizeof h);
  for (const auto& n : names) {
    const uint16_t len = static_cast<uint16_t>(std::min<size_t>(n.size(), UINT16_MAX));
    out.append(reinterpret_cast<const char*>(&len), sizeof len);
    out.append(n.data(), len);
  }
  out.append(reinterpret_cast<const char*>(done), n_done * sizeof(SpanRecord));
  out.append(reinterpret_cast<const char*>(open), n_open * sizeof(SpanRecord));
}

Result<Pull> decode(std::string_view body) {
  WireHeader h;
  if (body.size() < sizeof h) return logic_error("records: " + std::to_string(body.size()) + " bytes, shorter than the header");
  std::memcpy(&h, body.data(), sizeof h);
  if (std::memcmp(h.magic, kWireMagic, sizeof h.magic) != 0) return logic_error("records: not a records body (magic)");
  body.remove_prefix(sizeof h);
  Pull p;
  p.dropped = h.dropped;
  p.unsampled = h.unsampled;
  p.now_ns = h.now_ns;
  p.names.reserve(std::min<uint32_t>(h.names, 4096));
  for (uint32_t i = 0; i < h.names; ++i) {
    uint16_t len = 0;
    if (body.size() < sizeof len) return logic_error("records: truncated in name " + std::to_string(i));
    std::memcpy(&len, body.data(), sizeof len);
    body.remove_prefix(sizeof len);
    if (body.size() < len) return logic_error("records: truncated in name " + std::to_string(i));
    p.names.emplace_back(body.substr(0, len));
    body.remove_prefix(len);
  }
  const uint64_t spans = uint64_t{h.done} + h.open;
  if (body.size() != spans * sizeof(SpanRecord))
    return logic_error("records: " + std::to_string(body.size()) + " bytes of spans where " + std::to_string(spans) +
                       " spans take " + std::to_string(spans * sizeof(SpanRecord)));
  p.done.resize(h.done);
  p.open.resize(h.open);
  // memcpy takes no null pointer, not even for 0 bytes, and an empty
  // vector's data() may be one (UBSan's nonnull-attribute check).
  if (h.done) std::memcpy(p.done.data(), body.data(), h.done * sizeof(SpanRecord));
  if (h.open) std::memcpy(p.open.data(), body.data() + h.done * sizeof(SpanRecord), h.open * sizeof(SpanRecord));
  for (const auto* v : {&p.done, &p.open})
    for (const auto& s : *v)
      if (s.name >= p.names.size())
        return logic_error("records: a span names index " + std::to_string(s.name) + " of " +
                           std::to_string(p.names.size()));
  return p;
}

}  // namespace faultline::workloads::trace
