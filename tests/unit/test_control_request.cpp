// SPDX-License-Identifier: Apache-2.0
// The run owner's control protocol, parsed without a socket: each request
// `faultline fault` sends becomes its typed form; anything else is an error
// saying what is wrong and what is allowed, and no input throws.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orchestrator/runtime/control_request.hpp"

using namespace faultline::model::literals;

using namespace faultline;
using namespace faultline::runtime;
using Op = ControlRequest::Op;

namespace {

ControlRequest ok(std::string_view text) {
  auto r = parse_control_request(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : ControlRequest{};
}

std::string error_of(std::string_view text) {
  auto r = parse_control_request(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message();
}

TEST(ControlRequestParse, WhatTheCliSends) {
  EXPECT_EQ(ok(R"({"op":"ping"})").op, Op::kPing);
  EXPECT_EQ(ok(R"({"op":"list"})").op, Op::kList);
  EXPECT_EQ(ok(R"({"op":"stats"})").op, Op::kStats);

  auto imp = ok(R"({"op":"impair","target":"link:api-db","args":["delay=150ms","oneway"]})");
  EXPECT_EQ(imp.op, Op::kImpair);
  EXPECT_EQ(imp.target, "link:api-db");
  EXPECT_EQ(imp.args, (std::vector<std::string>{"delay=150ms", "oneway"}));
  EXPECT_TRUE(ok(R"({"op":"impair","target":"node:db"})").args.empty());

  auto clr = ok(R"({"op":"clear","target":"all"})");
  EXPECT_EQ(clr.op, Op::kClear);
  EXPECT_EQ(clr.target, "all");

  auto p = ok(R"({"op":"partition","from":["api","cache"],"to":["db"],"both_ways":true,"proto":"tcp",
                  "ports":"5432-5433","flap":"2s/500ms"})");
  EXPECT_EQ(p.op, Op::kPartition);
  EXPECT_EQ(p.partition.from, (std::vector<model::NodeId>{"api"_node, "cache"_node}));
  EXPECT_EQ(p.partition.to, (std::vector<model::NodeId>{"db"_node}));
  EXPECT_TRUE(p.both_ways);
  EXPECT_EQ(p.partition.proto, 6);
  EXPECT_EQ(p.partition.port_lo, 5432);
  EXPECT_EQ(p.partition.port_hi, 5433);
  EXPECT_EQ(p.partition.flap_on_ns, 2'000'000'000);
  EXPECT_EQ(p.partition.flap_off_ns, 500'000'000);
  auto udp = ok(R"({"op":"partition","from":["a"],"to":["b"],"proto":"udp","ports":"53"})");
  EXPECT_EQ(udp.partition.proto, 17);
  EXPECT_EQ(udp.partition.port_lo, 53);
  EXPECT_EQ(udp.partition.port_hi, 53);
  EXPECT_FALSE(udp.both_ways);

  EXPECT_FALSE(ok(R"({"op":"heal"})").id.has_value());
  EXPECT_EQ(ok(R"({"op":"heal","id":3})").id, 3u);
  EXPECT_EQ(ok(R"({"op":"heal","id":4294967295})").id, 4294967295u);
}

TEST(ControlRequestParse, EveryMistakeIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not JSON (malformed or truncated)"},
      {"\x01\x02garbage", "not JSON"},
      {R"({"op":"list")", "not JSON (malformed or truncated)"},
      {"{\"op\":\"\xc3\x28\"}", "not JSON"},  // invalid UTF-8
      {"42", "not a JSON object"},
      {R"({})", "needs \"op\", a string: ping, list, stats, impair, clear, partition, heal"},
      {R"({"op":null})", "needs \"op\""},
      {R"({"op":"reboot"})", "unknown op 'reboot'; allowed: ping, list"},
      {R"({"op":"ping","x":1})", "ping: unknown key 'x'; allowed: none"},
      {R"({"op":"clear","target":"all","args":[]})", "clear: unknown key 'args'; allowed: target"},
      {R"({"op":"impair"})", "impair: 'target' is missing (a string)"},
      {R"({"op":"impair","target":""})", "impair: 'target' is empty"},
      {R"({"op":"impair","target":["a"]})", "'target' must be a string"},
      {R"({"op":"impair","target":"link:a-b","args":{"delay":"1ms"}})", "'args' must be an array of strings"},
      {R"({"op":"impair","target":"link:a-b","args":["delay=1ms",null]})", "'args' must be an array of strings"},
      {R"({"op":"partition","from":[],"to":["b"]})", "partition: partition needs nodes on both sides"},
      {R"({"op":"partition","from":["a"]})", "needs nodes on both sides"},
      {R"({"op":"partition","from":["a"],"to":["b"],"both_ways":1})", "'both_ways' must be a boolean"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":"sctp"})", "protocol 'sctp': allowed tcp, udp, icmp"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":6})", "'proto' must be a string"},
      {R"({"op":"partition","from":["a"],"to":["b"],"ports":"80"})", "ports need tcp or udp"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":"tcp","ports":"0"})", "ports '0'"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":"tcp","ports":"80-"})", "ports '80-'"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":"tcp","ports":"90-80"})", "N <= M"},
      {R"({"op":"partition","from":["a"],"to":["b"],"proto":"tcp","ports":"-5"})", "ports '-5'"},
      {R"({"op":"partition","from":["a"],"to":["b"],"flap":"2s"})", "flap '2s': expected ON/OFF"},
      {R"({"op":"partition","from":["a"],"to":["b"],"flap":"2s/"})", "flap"},
      {R"({"op":"partition","from":["a"],"to":["b"],"flap":"0s/1s"})", "both phases must be longer than 0"},
      {R"({"op":"heal","id":-1})", "'id' must be a partition id"},
      {R"({"op":"heal","id":1.5})", "'id' must be a partition id"},
      {R"({"op":"heal","id":4294967296})", "'id' must be a partition id"},
      {R"({"op":"heal","id":18446744073709551615})", "'id' must be a partition id"},
  };
  for (const auto& [text, want] : cases) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find(want), std::string::npos) << text << " -> " << e;
  }
  std::string many = R"({"op":"impair","target":"link:a-b","args":[)";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "\"delay=1ms\"";
  EXPECT_NE(error_of(many + "]}").find("more than 64 items"), std::string::npos);
}

TEST(ControlRequestParse, SizeIsBoundedBeforeParsing) {
  EXPECT_EQ(kMaxControlRequestBytes, 65536u);
  std::string padded = R"({"op":"ping"})";
  padded.resize(kMaxControlRequestBytes, ' ');  // exactly the limit: still a request
  EXPECT_EQ(ok(padded).op, Op::kPing);
  padded.push_back(' ');
  EXPECT_NE(error_of(padded).find("larger than 65536 bytes"), std::string::npos);
}

TEST(ControlRequestParse, NoInputThrows) {
  // Every prefix and every single-byte change of real requests, and deep
  // nesting: each is a request or an error, never an exception.
  const std::vector<std::string> seeds = {
      R"({"op":"partition","from":["api"],"to":["db"],"both_ways":true,"proto":"tcp","ports":"1-2","flap":"1s/1s"})",
      R"({"op":"impair","target":"link:api-db","args":["delay=150ms","loss=2%"]})",
      R"({"op":"heal","id":7})",
  };
  size_t inputs = 0;
  for (const auto& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n, ++inputs) EXPECT_NO_THROW((void)parse_control_request(seed.substr(0, n)));
    for (size_t i = 0; i < seed.size(); ++i)
      for (const char c : {'\0', '"', '{', '[', '1', '-', '\xff', 'x'}) {
        std::string m = seed;
        m[i] = c;
        EXPECT_NO_THROW((void)parse_control_request(m));
        ++inputs;
      }
  }
  EXPECT_NO_THROW((void)parse_control_request(std::string(32768, '[') + std::string(32768, ']')));
  EXPECT_NO_THROW((void)parse_control_request(std::string(kMaxControlRequestBytes, '{')));
  EXPECT_GT(inputs, 1000u);
}

}  // namespace
