// SPDX-License-Identifier: Apache-2.0
// The link engine's control socket against hostile and confused clients
// (root): every malformed, oversized, truncated, mistyped or unknown request,
// and a peer that is not root, gets an error answer, and the engine keeps
// forwarding and answering; a request that only looks like "stop" stops nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "tests/engine/support/testnet.hpp"
#include "tests/support/raw_socket.hpp"

namespace fl_engine_test {
namespace {

using faultline::netem::Impairment;
using faultline::testing::raw_exchange;
using faultline::testing::raw_exchange_as;
using faultline::testing::RawExchange;
using nlohmann::json;

constexpr int64_t kMs = 1'000'000;
constexpr uid_t kNobody = 65534;

// The answer lines of one exchange, parsed.
std::vector<json> answers(const RawExchange& r) {
  std::vector<json> out;
  size_t pos = 0;
  while (pos < r.answer.size()) {
    size_t nl = r.answer.find('\n', pos);
    if (nl == std::string::npos) nl = r.answer.size();
    out.push_back(json::parse(r.answer.substr(pos, nl - pos), nullptr, false));
    pos = nl + 1;
  }
  return out;
}

void expect_refused(const std::string& what, const RawExchange& r, const std::string& want) {
  ASSERT_EQ(r.connect_errno, 0) << what << ": " << std::strerror(r.connect_errno);
  const auto a = answers(r);
  ASSERT_EQ(a.size(), 1u) << what << ": '" << r.answer.substr(0, 300) << "'";
  ASSERT_TRUE(a[0].is_object()) << what << ": " << r.answer;
  EXPECT_EQ(a[0].value("ok", true), false) << what << ": " << r.answer;
  EXPECT_NE(a[0].value("error", std::string()).find(want), std::string::npos) << what << ": " << r.answer;
}

TEST(EngineControl, EveryBadRequestGetsAnErrorAndTheEngineCarriesOn) {
  if (!is_root()) GTEST_SKIP() << "needs root: creates network namespaces and veths";
  const auto links_before = host_links();
  {
    TestNet net(2);
    ASSERT_TRUE(net.ok());
    Impairment d;
    d.delay_ns = 1 * kMs;
    EngineProc eng(net, link_config("ab", "p0", "p1", d, d));
    ASSERT_TRUE(eng.ready()) << eng.log();
    const std::string sock = eng.socket();

    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
    std::replace(garbage.begin(), garbage.end(), '\n', 'x');  // one line
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"garbage bytes", garbage + "\n", "not JSON"},
        {"truncated JSON at the end of the stream", R"({"op":"set","link":"ab","impairment":{"delay_ns":)",
         "not JSON (malformed or truncated)"},
        {"not an object", "[1]\n", "not a JSON object"},
        {"invalid UTF-8", "{\"op\":\"\xff\"}\n", "not JSON"},
        {"op of the wrong type", "{\"op\":1}\n", "needs \"op\", a string"},
        {"unknown op", "{\"op\":\"reboot\"}\n", "unknown op 'reboot'"},
        {"stop with an unknown key", "{\"op\":\"stop\",\"now\":true}\n", "unknown key 'now'"},
        {"reset_lateness of the wrong type", "{\"op\":\"stats\",\"reset_lateness\":\"yes\"}\n",
         "'reset_lateness' must be a boolean"},
        {"link of the wrong type", "{\"op\":\"set\",\"link\":5,\"impairment\":{}}\n", "'link' must be a string"},
        {"both link and segment", "{\"op\":\"set\",\"link\":\"ab\",\"segment\":\"x\",\"impairment\":{}}\n",
         "one of 'link' or 'segment'"},
        {"bad dir", "{\"op\":\"set\",\"link\":\"ab\",\"dir\":\"up\",\"impairment\":{}}\n", "'dir' must be"},
        {"impairment of the wrong type", "{\"op\":\"set\",\"link\":\"ab\",\"impairment\":[]}\n", "bad impairment"},
        {"delay as a string", "{\"op\":\"set\",\"link\":\"ab\",\"impairment\":{\"delay_ns\":\"5\"}}\n",
         "bad impairment"},
        {"negative delay", "{\"op\":\"set\",\"link\":\"ab\",\"impairment\":{\"delay_ns\":-5}}\n",
         "must not be negative"},
        {"no such link", "{\"op\":\"set\",\"link\":\"nosuch\",\"impairment\":{}}\n", "no link 'nosuch'"},
        {"deep nesting", std::string(30000, '[') + std::string(30000, ']') + "\n", "not a JSON object"},
    };
    for (const auto& [what, payload, want] : cases) expect_refused(what, raw_exchange(sock, payload), want);
    // 10 MB on one line: answered after the first 64 KiB, the rest never read.
    expect_refused("10 MB request", raw_exchange(sock, std::string(10 << 20, ' ')), "larger than 65536 bytes");

    // One connection, a bad line between good ones: each line its own answer.
    const auto mixed = answers(raw_exchange(sock, "{\"op\":\"ping\"}\n{\"op\":\n{\"op\":\"get\"}\n"));
    ASSERT_EQ(mixed.size(), 3u);
    EXPECT_EQ(mixed[0].value("ok", false), true);
    EXPECT_EQ(mixed[1].value("ok", true), false);
    EXPECT_EQ(mixed[2].value("ok", false), true);

    // Not root: kept out by the socket's mode, and refused when the mode lets it in.
    EXPECT_EQ(raw_exchange_as(kNobody, kNobody, sock, "{\"op\":\"stop\"}\n").connect_errno, EACCES);
    ASSERT_EQ(::chmod(sock.c_str(), 0666), 0);
    expect_refused("a peer of uid 65534", raw_exchange_as(kNobody, kNobody, sock, "{\"op\":\"stop\"}\n"),
                   "only root may steer the link engine (peer uid 65534)");

    // The engine still answers, changes and forwards.
    ASSERT_TRUE(eng.request({{"op", "ping"}}).ok()) << eng.log();
    Impairment seven;
    seven.delay_ns = 7 * kMs;
    auto set = eng.request({{"op", "set"}, {"link", "ab"}, {"dir", "a->b"}, {"impairment", seven}});
    ASSERT_TRUE(set.ok()) << set.error().message();
    auto now = eng.request({{"op", "get"}});
    ASSERT_TRUE(now.ok());
    EXPECT_EQ((*now)["links"]["ab"]["a->b"]["delay_ns"].get<int64_t>(), 7 * kMs);
    EXPECT_EQ((*now)["links"]["ab"]["b->a"]["delay_ns"].get<int64_t>(), 1 * kMs);
    EXPECT_EQ(sh("ip netns exec " + net.node(0) + " ping -n -c 2 -i 0.2 -W 2 " + TestNet::ip(1) + " >/dev/null"), 0)
        << "the engine stopped forwarding";
    EXPECT_EQ(eng.stop(), 0) << "the engine must still end cleanly on SIGTERM";
  }
  EXPECT_EQ(host_links(), links_before);
}

}  // namespace
}  // namespace fl_engine_test
