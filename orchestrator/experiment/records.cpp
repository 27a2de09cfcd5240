// SPDX-License-Identifier: Apache-2.0
#include "orchestrator/experiment/records.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "base/file.hpp"

namespace faultline::experiment {

namespace {

constexpr char kChunkMagic[4] = {'F', 'L', 'R', 'C'};

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

}  // namespace

Result<RecordStore> RecordStore::open(const std::string& path) {
  RecordStore s;
  if (path.empty()) return s;
  s.f_ = std::fopen(path.c_str(), "we");
  if (!s.f_) return sys_error("create " + path);
  return s;
}

RecordStore::RecordStore(RecordStore&& o) noexcept : f_(std::exchange(o.f_, nullptr)), sources_(std::move(o.sources_)) {}

RecordStore& RecordStore::operator=(RecordStore&& o) noexcept {
  if (this != &o) {
    if (f_) std::fclose(f_);
    f_ = std::exchange(o.f_, nullptr);
    sources_ = std::move(o.sources_);
  }
  return *this;
}

RecordStore::~RecordStore() {
  if (f_) std::fclose(f_);
}

void RecordStore::merge(const std::string& source, workloads::trace::Pull&& p) {
  auto& s = sources_[source];
  s.name = source;
  // A restarted workload registers its names again, maybe in another order:
  // spans are rewritten to this source's own table.
  std::vector<uint16_t> map(p.names.size());
  for (size_t i = 0; i < p.names.size(); ++i) {
    size_t j = 0;
    while (j < s.names.size() && s.names[j] != p.names[i]) ++j;
    if (j == s.names.size()) s.names.push_back(p.names[i]);
    map[i] = static_cast<uint16_t>(j);
  }
  for (auto& r : p.done) r.name = map[r.name];
  for (auto& r : p.open) r.name = map[r.name];
  s.spans.insert(s.spans.end(), p.done.begin(), p.done.end());
  s.open = std::move(p.open);
  // The counts are the workload's own totals: a restart starts them again.
  s.dropped = p.dropped >= s.dropped ? p.dropped : s.dropped + p.dropped;
  s.unsampled = p.unsampled >= s.unsampled ? p.unsampled : s.unsampled + p.unsampled;
  s.last_pull_ns = p.now_ns;
  ++s.pulls;
}

Status RecordStore::add(const std::string& source, std::string_view body) {
  auto p = workloads::trace::decode(body);
  if (!p.ok()) return wrap(p.error(), source);
  if (f_) {
    std::string chunk(kChunkMagic, sizeof kChunkMagic);
    put_u32(chunk, static_cast<uint32_t>(source.size()));
    chunk += source;
    put_u32(chunk, static_cast<uint32_t>(body.size()));
    chunk.append(body.data(), body.size());
    if (std::fwrite(chunk.data(), 1, chunk.size(), f_) != chunk.size() || std::fflush(f_) != 0)
      return sys_error("write records");
  }
  merge(source, std::move(p.value()));
  return {};
}

size_t RecordStore::spans() const {
  size_t n = 0;
  for (const auto& [_, s] : sources_) n += s.spans.size();
  return n;
}

void RecordStore::forget(int64_t before_ns, int64_t keep_begin_ns, int64_t keep_end_ns) {
  for (auto& [_, s] : sources_) {
    // Spans arrive in pull order, nearly in end order: one pass keeps the rest in order.
    const auto kept = std::remove_if(s.spans.begin(), s.spans.end(), [&](const workloads::trace::SpanRecord& r) {
      return r.end_ns < before_ns && !(r.end_ns >= keep_begin_ns && r.start_ns < keep_end_ns);
    });
    s.forgotten += static_cast<uint64_t>(s.spans.end() - kept);
    s.spans.erase(kept, s.spans.end());
    // A vector keeps its capacity: give it back once most of it is free.
    if (s.spans.capacity() > 4096 && s.spans.size() < s.spans.capacity() / 4) s.spans.shrink_to_fit();
  }
}

Result<std::map<std::string, RecordSource>> read_records(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  const std::string& data = *text;
  std::string_view rest(data);
  RecordStore store;
  auto u32 = [&](uint32_t& v) {
    if (rest.size() < sizeof v) return false;
    std::memcpy(&v, rest.data(), sizeof v);
    rest.remove_prefix(sizeof v);
    return true;
  };
  size_t chunk = 0;
  while (!rest.empty()) {
    const std::string where = path + ": chunk " + std::to_string(chunk++);
    if (rest.size() < sizeof kChunkMagic || std::memcmp(rest.data(), kChunkMagic, sizeof kChunkMagic) != 0)
      return logic_error(where + ": not a records chunk");
    rest.remove_prefix(sizeof kChunkMagic);
    uint32_t n = 0;
    if (!u32(n) || rest.size() < n) return logic_error(where + ": truncated source name");
    const std::string source(rest.substr(0, n));
    rest.remove_prefix(n);
    if (!u32(n) || rest.size() < n) return logic_error(where + ": truncated body (a run that ended mid-write?)");
    auto p = workloads::trace::decode(rest.substr(0, n));
    if (!p.ok()) return wrap(p.error(), where);
    rest.remove_prefix(n);
    store.merge(source, std::move(p.value()));
  }
  return std::move(store.sources_);
}

}  // namespace faultline::experiment
