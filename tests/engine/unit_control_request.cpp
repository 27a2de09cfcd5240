// SPDX-License-Identifier: Apache-2.0
// The link engine's control protocol, parsed without a socket: every request
// the orchestrator sends becomes its typed form; anything else is an error
// saying what is wrong, and no input throws.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "netem/engine/control_request.hpp"

namespace faultline::netem::engine {
namespace {

using Op = EngineRequest::Op;
using Dir = EngineRequest::Dir;

EngineRequest ok(std::string_view line) {
  auto r = parse_engine_request(line);
  EXPECT_TRUE(r.ok()) << line << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : EngineRequest{};
}

std::string error_of(std::string_view line) {
  auto r = parse_engine_request(line);
  EXPECT_FALSE(r.ok()) << line;
  return r.ok() ? "" : r.error().message();
}

TEST(EngineRequestParse, WhatTheOrchestratorSends) {
  EXPECT_EQ(ok(R"({"op":"ping"})").op, Op::kPing);
  EXPECT_EQ(ok(R"({"op":"get"})").op, Op::kGet);
  EXPECT_EQ(ok(R"({"op":"stop"})").op, Op::kStop);
  EXPECT_FALSE(ok(R"({"op":"stats"})").reset_lateness);
  EXPECT_TRUE(ok(R"({"op":"stats","reset_lateness":true})").reset_lateness);

  auto l = ok(R"({"op":"set","link":"api-db","dir":"b->a","impairment":{"delay_ns":5000000,"loss_ppm":20000}})");
  EXPECT_EQ(l.op, Op::kSet);
  EXPECT_FALSE(l.segment);
  EXPECT_EQ(l.name, "api-db");
  EXPECT_EQ(l.dir, Dir::kBtoA);
  EXPECT_EQ(l.impairment.delay_ns, 5'000'000);
  EXPECT_EQ(l.impairment.loss_ppm, 20'000u);
  EXPECT_EQ(ok(R"({"op":"set","link":"x","impairment":{}})").dir, Dir::kBoth);
  EXPECT_EQ(ok(R"({"op":"set","link":"x","dir":"a->b","impairment":{}})").dir, Dir::kAtoB);

  auto s = ok(R"({"op":"set","segment":"lan","impairment":{"rate_bps":10000000}})");
  EXPECT_TRUE(s.segment);
  EXPECT_EQ(s.name, "lan");
  EXPECT_EQ(s.impairment.rate_bps, 10'000'000u);
}

TEST(EngineRequestParse, EveryMistakeIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not JSON"},
      {"\xff\xfe\x00garbage", "not JSON"},
      {R"({"op":"set","link":"ab","impairment":{"delay_ns":)", "not JSON (malformed or truncated)"},
      {"[1]", "not a JSON object"},
      {R"({"op":1})", "needs \"op\", a string: ping, stats, get, set, stop"},
      {R"({"op":"reboot"})", "unknown op 'reboot'"},
      {R"({"op":"stop","now":true})", "stop: unknown key 'now'; allowed: none"},
      {R"({"op":"stats","reset_lateness":"yes"})", "'reset_lateness' must be a boolean"},
      {R"({"op":"set","impairment":{}})", "set: set needs one of 'link' or 'segment'"},
      {R"({"op":"set","link":"a","segment":"b","impairment":{}})", "one of 'link' or 'segment'"},
      {R"({"op":"set","link":5,"impairment":{}})", "'link' must be a string"},
      {R"({"op":"set","segment":null,"impairment":{}})", "'segment' must be a string"},
      {R"({"op":"set","link":"a","dir":"up","impairment":{}})", "'dir' must be a->b, b->a or both"},
      {R"({"op":"set","link":"a","dir":1,"impairment":{}})", "'dir' must be"},
      {R"({"op":"set","segment":"lan","dir":"a->b","impairment":{}})", "'dir' is for links"},
      {R"({"op":"set","link":"a"})", "set needs 'impairment'"},
      {R"({"op":"set","link":"a","impairment":7})", "bad impairment"},
      {R"({"op":"set","link":"a","impairment":{"delay_ns":"5"}})", "bad impairment"},
      {R"({"op":"set","link":"a","impairment":{"delay_ns":-1}})", "delay_ns must not be negative"},
      {R"({"op":"set","link":"a","impairment":{"loss_ppm":2000000}})", "loss_ppm must be at most 1000000"},
      {R"({"op":"set","link":"a","impairment":{"delya_ns":1}})", "unknown key 'delya_ns'"},
      {R"({"op":"set","link":"a","impairment":{"gemodel":[]}})", "bad impairment"},
      {R"({"op":"set","link":"a","impairment":{"rate_bps":1e30}})", "bad impairment"},
  };
  for (const auto& [line, want] : cases) {
    const std::string e = error_of(line);
    EXPECT_NE(e.find(want), std::string::npos) << line << " -> " << e;
  }
}

TEST(EngineRequestParse, SizeIsBoundedBeforeParsing) {
  EXPECT_EQ(kMaxEngineRequestBytes, 65536u);
  std::string padded = R"({"op":"ping"})";
  padded.resize(kMaxEngineRequestBytes, ' ');
  EXPECT_EQ(ok(padded).op, Op::kPing);
  padded.push_back(' ');
  EXPECT_NE(error_of(padded).find("larger than 65536 bytes"), std::string::npos);
}

TEST(EngineRequestParse, NoInputThrows) {
  const std::vector<std::string> seeds = {
      R"({"op":"set","link":"api-db","dir":"a->b","impairment":{"delay_ns":5,"jitter_dist":"normal","loss_model":"gemodel","gemodel":{"p_ppm":1}}})",
      R"({"op":"stats","reset_lateness":true})",
  };
  size_t inputs = 0;
  for (const auto& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n, ++inputs) EXPECT_NO_THROW((void)parse_engine_request(seed.substr(0, n)));
    for (size_t i = 0; i < seed.size(); ++i)
      for (const char c : {'\0', '"', '{', '[', '1', '-', '\xff', 'x'}) {
        std::string m = seed;
        m[i] = c;
        EXPECT_NO_THROW((void)parse_engine_request(m));
        ++inputs;
      }
  }
  EXPECT_NO_THROW((void)parse_engine_request(std::string(32768, '[') + std::string(32768, ']')));
  EXPECT_GT(inputs, 1000u);
}

}  // namespace
}  // namespace faultline::netem::engine
