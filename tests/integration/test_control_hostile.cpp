// SPDX-License-Identifier: Apache-2.0
// The run owner's control socket against hostile and confused clients: every
// malformed, oversized, truncated, mistyped or unknown request, and a peer
// that is not root, gets an error answer, and the owner, the run and
// `faultline fault`/`down` carry on as before.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orchestrator/runtime/control.hpp"
#include "orchestrator/runtime/proc.hpp"
#include "tests/support/cli_run_test.hpp"
#include "tests/support/raw_socket.hpp"

using namespace faultline;
using namespace faultline::testing;
using nlohmann::json;

namespace {

constexpr uid_t kNobody = 65534;

class ControlHostile : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    up(kTwoNodesOneLink);
    sock_ = runtime::control_socket_path(run_);
  }
  // The owner's answer to raw bytes: a JSON object with ok false and an
  // error containing `want`.
  void expect_refused(const std::string& what, const RawExchange& r, const std::string& want) {
    ASSERT_EQ(r.connect_errno, 0) << what << ": " << std::strerror(r.connect_errno);
    const json a = json::parse(r.answer, nullptr, false);
    ASSERT_TRUE(a.is_object()) << what << ": answer '" << r.answer.substr(0, 200) << "'";
    EXPECT_EQ(a.value("ok", true), false) << what << ": " << r.answer;
    EXPECT_NE(a.value("error", std::string()).find(want), std::string::npos) << what << ": " << r.answer;
  }
  // The run still answers and still changes: list, a link impairment, its clear.
  void expect_run_serves() {
    const auto list = run_cmd(cli("fault " + run_ + " list"));
    EXPECT_EQ(list.status, 0) << list.out;
    EXPECT_NE(list.out.find("link a-b"), std::string::npos) << list.out;
    const auto imp = run_cmd(cli("fault " + run_ + " link:a-b delay=5ms"));
    EXPECT_EQ(imp.status, 0) << imp.out;
    EXPECT_NE(imp.out.find("5ms"), std::string::npos) << imp.out;
    const auto clr = run_cmd(cli("fault " + run_ + " --clear link:a-b"));
    EXPECT_EQ(clr.status, 0) << clr.out;
    EXPECT_TRUE(runtime::is_alive(state().owner)) << "the owner died";
  }
  std::string sock_;
};

TEST_F(ControlHostile, EveryBadRequestGetsAnErrorAndTheRunCarriesOn) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"garbage bytes", garbage, "not JSON"},
      {"empty", "", "not JSON"},
      {"truncated JSON", R"({"op":"impair","target":"link:a-b","args":["delay=)", "not JSON (malformed or truncated)"},
      {"not an object", R"(["op","list"])", "not a JSON object"},
      {"invalid UTF-8", "{\"op\":\"\xff\xfe\"}", "not JSON"},
      {"no op", R"({"target":"link:a-b"})", "needs \"op\""},
      {"op of the wrong type", R"({"op":7})", "needs \"op\", a string"},
      {"unknown op", R"({"op":"reboot"})", "unknown op 'reboot'"},
      {"unknown key", R"({"op":"list","all":true})", "unknown key 'all'"},
      {"target of the wrong type", R"({"op":"impair","target":3,"args":["delay=1ms"]})", "'target' must be a string"},
      {"args of the wrong type", R"({"op":"impair","target":"link:a-b","args":"delay=1ms"})",
       "'args' must be an array of strings"},
      {"args holding a number", R"({"op":"impair","target":"link:a-b","args":[1]})", "'args' must be an array"},
      {"from of the wrong type", R"({"op":"partition","from":"a","to":["b"]})", "'from' must be an array"},
      {"both_ways of the wrong type", R"({"op":"partition","from":["a"],"to":["b"],"both_ways":"yes"})",
       "'both_ways' must be a boolean"},
      {"bad ports", R"({"op":"partition","from":["a"],"to":["b"],"proto":"tcp","ports":"99999"})", "ports '99999'"},
      {"heal id negative", R"({"op":"heal","id":-1})", "'id' must be a partition id"},
      {"heal id a string", R"({"op":"heal","id":"3"})", "'id' must be a partition id"},
      {"heal id too large", R"({"op":"heal","id":4294967296})", "'id' must be a partition id"},
      {"deep nesting", std::string(30000, '[') + std::string(30000, ']'), "not a JSON object"},
  };
  for (const auto& [what, payload, want] : cases) expect_refused(what, raw_exchange(sock_, payload), want);
  // 10 MB: answered after the first 64 KiB, the rest never read.
  expect_refused("10 MB request", raw_exchange(sock_, std::string(10 << 20, ' ')), "larger than 65536 bytes");
  // A request whose sender stalls without finishing it is answered when the owner stops waiting.
  expect_refused("stalled request", raw_exchange(sock_, R"({"op":"li)", /*keep_open=*/true), "timed out");
  // A valid request on a raw connection is still served.
  const auto ping = raw_exchange(sock_, R"({"op":"ping"})");
  EXPECT_EQ(json::parse(ping.answer, nullptr, false).value("ok", false), true) << ping.answer;
  expect_run_serves();
  const auto down = run_cmd(cli("down " + run_));
  EXPECT_EQ(down.status, 0) << down.out;
}

TEST_F(ControlHostile, APeerThatIsNotRootIsRefusedEvenWhenTheModeLetsItIn) {
  // As shipped, the socket (0600) in its run folder (0700) keeps others out
  // at connect.
  const auto shut_out = raw_exchange_as(kNobody, kNobody, sock_, R"({"op":"list"})");
  EXPECT_EQ(shut_out.connect_errno, EACCES) << shut_out.answer;
  // Loosened modes: the kernel lets nobody connect, the owner must refuse it.
  ASSERT_EQ(::chmod(runtime::run_dir(run_).c_str(), 0755), 0);
  ASSERT_EQ(::chmod(sock_.c_str(), 0666), 0);
  const auto r = raw_exchange_as(kNobody, kNobody, sock_, R"({"op":"clear","target":"all"})");
  expect_refused("a peer of uid 65534", r, "only root may use this control socket (peer uid 65534)");
  expect_run_serves();
  const auto down = run_cmd(cli("down " + run_));
  EXPECT_EQ(down.status, 0) << down.out;
}

}  // namespace
