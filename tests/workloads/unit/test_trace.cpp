// SPDX-License-Identifier: Apache-2.0
// Request records: W3C traceparent parsing and formatting, the recorder's
// spans (open and completed, bounded, sampled), and the /records wire format.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "workloads/trace/recorder.hpp"
#include "workloads/trace/trace_context.hpp"
#include "workloads/trace/wire.hpp"

using namespace faultline::workloads::trace;

TEST(Traceparent, TheSpecsExampleParsesAndFormatsBack) {
  const std::string v = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto c = parse_traceparent(v);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace_hi, 0x4bf92f3577b34da6ULL);
  EXPECT_EQ(c->trace_lo, 0xa3ce929d0e0e4736ULL);
  EXPECT_EQ(c->span_id, 0x00f067aa0ba902b7ULL);
  EXPECT_TRUE(c->sampled);
  EXPECT_EQ(format_traceparent(*c), v);
  const auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  EXPECT_EQ(trace_id_hex(c->trace_hi, c->trace_lo), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span_id_hex(c->span_id), "00f067aa0ba902b7");
}

TEST(Traceparent, InvalidValuesAreRefusedAsTheSpecSays) {
  const char* bad[] = {
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",           // no flags
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // uppercase
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // all-zero parent
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version ff
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 is 55 long
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // separators
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",        // not hex
  };
  for (const char* v : bad) EXPECT_FALSE(parse_traceparent(v)) << v;
  // A later version may carry more after a '-'; spaces around are allowed.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later"));
  EXPECT_TRUE(parse_traceparent(" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 "));
  EXPECT_FALSE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST(Recorder, SpansCarryTheirParentsAndADrainSendsEachOnceWithTheOpenOnes) {
  Recorder rec;
  const uint16_t path = rec.name("/"), callee = rec.name("db:80");
  EXPECT_EQ(rec.name("/"), path) << "a name is registered once";
  const TraceContext root = rec.new_trace(true);
  EXPECT_NE(root.trace_hi | root.trace_lo, 0u);
  Recorder::Span request;
  request.begin(&rec, root, SpanKind::kRequest, path, 100);
  Recorder::Span call;
  call.begin(&rec, request.context(), SpanKind::kCall, callee, 110);
  EXPECT_EQ(call.context().trace_hi, root.trace_hi);
  EXPECT_NE(call.id(), request.id());
  {
    Recorder::Span attempt;
    attempt.begin(&rec, call.context(), SpanKind::kAttempt, callee, 111, 0);
    attempt.end(150, SpanCause::kTimeout, 0);
  }
  auto p = decode(rec.drain(160));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->names, (std::vector<std::string>{"/", "db:80"}));
  ASSERT_EQ(p->done.size(), 1u);
  EXPECT_EQ(p->done[0].kind, SpanKind::kAttempt);
  EXPECT_EQ(p->done[0].parent_id, call.id());
  EXPECT_EQ(p->done[0].cause, SpanCause::kTimeout);
  EXPECT_EQ(p->done[0].end_ns, 150);
  ASSERT_EQ(p->open.size(), 2u) << "the request and the call are still in flight";
  for (const auto& o : p->open) {
    EXPECT_TRUE(open(o));
    EXPECT_EQ(o.end_ns, 160) << "an open span ends, for now, at the pull";
  }
  call.set_attempts(1);
  call.end(170, SpanCause::kTimeout, 504);
  request.end(171, SpanCause::kGatewayTimeout, 504);
  p = decode(rec.drain(180));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->done.size(), 2u) << "the attempt is not sent again";
  EXPECT_TRUE(p->open.empty());
  EXPECT_EQ(p->done[1].kind, SpanKind::kRequest);
  EXPECT_EQ(p->done[1].parent_id, 0u) << "a new trace's first span is a root";
  EXPECT_EQ(p->done[1].status, 504);
}

TEST(Recorder, MemoryIsBoundedAndUnsampledTracesCostOnlyTheirIds) {
  Recorder rec(RecorderOptions{true, 3, 1});
  const uint16_t n = rec.name("/");
  for (int i = 0; i < 5; ++i) {
    Recorder::Span s;
    s.begin(&rec, rec.new_trace(true), SpanKind::kRequest, n, i);
    s.end(i + 1, SpanCause::kOk);
  }
  for (int i = 0; i < 4; ++i) {
    Recorder::Span s;
    s.begin(&rec, rec.new_trace(false), SpanKind::kRequest, n, i);
    EXPECT_NE(s.id(), 0u) << "ids still travel on";
    s.end(i + 1, SpanCause::kOk);
  }
  const auto p = decode(rec.drain(10));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->done.size(), 3u);
  EXPECT_EQ(p->dropped, 2u);
  EXPECT_EQ(p->unsampled, 4u);
  // Off: nothing kept, nothing counted, ids still made.
  Recorder off(RecorderOptions{false, 16, 1});
  Recorder::Span s;
  s.begin(&off, off.new_trace(true), SpanKind::kRequest, off.name("/"), 0);
  EXPECT_FALSE(s.is_open());
  EXPECT_NE(s.id(), 0u);
  EXPECT_TRUE(decode(off.drain(1))->done.empty());
}

TEST(Recorder, IdsAreUniqueAcrossThreadsAndADestroyedOpenSpanEndsCancelled) {
  Recorder rec;
  std::vector<std::vector<uint64_t>> ids(4);
  std::vector<std::thread> threads;
  for (auto& v : ids)
    threads.emplace_back([&rec, &v] {
      for (int i = 0; i < 10000; ++i) v.push_back(rec.new_span_id());
    });
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 40000u);
  EXPECT_FALSE(all.count(0));
  {
    Recorder::Span s;
    s.begin(&rec, rec.new_trace(true), SpanKind::kCall, rec.name("x:1"), 5);
  }
  const auto p = decode(rec.drain(10));
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->done.size(), 1u);
  EXPECT_EQ(p->done[0].cause, SpanCause::kCancelled);
}

TEST(Wire, ABodyThatIsNotWhatItSaysIsRefused) {
  Recorder rec;
  Recorder::Span s;
  s.begin(&rec, rec.new_trace(true), SpanKind::kRequest, rec.name("/a"), 1);
  s.end(2, SpanCause::kOk);
  const std::string body = rec.drain(3);
  ASSERT_TRUE(decode(body).ok());
  for (size_t cut : {size_t{0}, size_t{10}, sizeof(WireHeader) + 1, body.size() - 1})
    EXPECT_FALSE(decode(std::string_view(body).substr(0, cut)).ok()) << "cut at " << cut;
  EXPECT_FALSE(decode(body + "x").ok()) << "trailing bytes";
  std::string bad = body;
  bad[0] = 'X';
  EXPECT_NE(decode(bad).error().message().find("magic"), std::string::npos);
  // A span naming an index past the names table.
  std::string ghost;
  SpanRecord r;
  r.name = 7;
  encode({"/"}, &r, 1, nullptr, 0, 0, 0, 0, ghost);
  EXPECT_NE(decode(ghost).error().message().find("index 7"), std::string::npos);
}
