// SPDX-License-Identifier: Apache-2.0
// Live faults through the CLI, as a person at the keyboard types them: link
// impairments change RTT and are cleared; an asymmetric partition blocks one
// direction only and healing restores both; bad values are refused.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "orchestrator/runtime/netns.hpp"
#include "orchestrator/runtime/state.hpp"
#include "tests/support/cli_run_test.hpp"

using namespace faultline;
using namespace faultline::testing;
namespace fs = std::filesystem;

namespace {

const char* kTopo = R"(
[experiment]
name = "faults"

[[node]]
name = "client"

[[node]]
name = "api"

[[node]]
name = "db"

[[link]]
between = ["client", "api"]
delay = "1ms"

[[link]]
between = ["api", "db"]
delay = "2ms"
)";

class Faults : public CliRunTest {
 protected:
  void SetUp() override {
    CliRunTest::SetUp();
    if (IsSkipped()) return;
    up(kTopo);
  }
  // The smallest RTT of five pings inside `from`, after one that resolves the
  // neighbour: the least noisy estimate of the delay the path adds (scheduling
  // noise only ever adds to an RTT).
  double rtt_ms(const std::string& from, const std::string& to) {
    run_cmd(cli("exec " + run_ + " " + from + " -- ping -c 1 -W 2 " + to));
    const auto r = run_cmd(cli("exec " + run_ + " " + from + " -- ping -c 5 -i 0.05 -W 2 " + to));
    std::smatch m;
    static const std::regex re("= ([0-9.]+)/[0-9.]+/");
    if (r.status != 0 || !std::regex_search(r.out, m, re)) return -1;
    return std::stod(m[1]);
  }
  // A UDP socket bound to port in `node`'s namespace.
  int udp_in(const std::string& node, uint16_t port) {
    auto st = runtime::read_run(run_);
    EXPECT_TRUE(st.ok());
    const auto* h = st->holder(node);
    auto ns = runtime::open_ns(h->id.pid, "net");
    int fd = -1;
    EXPECT_TRUE(runtime::in_netns(ns->get(), [&]() -> Status {
                  fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                  sockaddr_in a{};
                  a.sin_family = AF_INET;
                  a.sin_port = htons(port);
                  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return sys_error("bind");
                  timeval tv{0, 300'000};
                  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                  return {};
                }).ok());
    return fd;
  }
  // Sends n datagrams from `from` (socket) to addr:port and counts arrivals at `to`.
  int delivered(int from, int to, const std::string& addr, uint16_t port, int n = 20) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
    for (int i = 0; i < n; ++i) ::sendto(from, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    int got = 0;
    char buf[8];
    while (::recv(to, buf, sizeof buf, 0) > 0) ++got;
    return got;
  }
};

}  // namespace

TEST_F(Faults, DelayChangesLiveAndClearRestoresThePlannedOne) {
  const double before = rtt_ms("api", "db");
  EXPECT_NEAR(before, 4.0, tol(1.5));
  auto r = run_cmd(cli("fault " + run_ + " link:api-db delay=30ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(rtt_ms("api", "db"), 60.0, tol(2.0));
  // One direction only, named in reverse order of the link's `between`:
  // "oneway", and the quoted arrow form.
  r = run_cmd(cli("fault " + run_ + " link:db-api oneway delay=10ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(rtt_ms("api", "db"), 40.0, tol(2.0));
  r = run_cmd(cli("fault " + run_ + " 'link:api->db' delay=20ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(rtt_ms("api", "db"), 30.0, tol(2.0));
  r = run_cmd(cli("fault " + run_ + " --clear link:api-db"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NEAR(rtt_ms("api", "db"), 4.0, tol(1.5));
}

TEST_F(Faults, AsymmetricPartitionBlocksOneDirectionAndHealRestoresBoth) {
  const int at_api = udp_in("api", 7001), at_db = udp_in("db", 7002);
  const int from_api = udp_in("api", 7003), from_db = udp_in("db", 7004);
  ASSERT_GE(at_api, 0);
  ASSERT_GE(at_db, 0);
  // Addresses as the nodes' own /etc/hosts give them (api-db link: .5 api, .6 db).
  EXPECT_EQ(delivered(from_api, at_db, "10.77.0.6", 7002), 20);
  EXPECT_EQ(delivered(from_db, at_api, "10.77.0.5", 7001), 20);

  auto r = run_cmd(cli("fault " + run_ + " partition api to db"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(delivered(from_api, at_db, "10.77.0.6", 7002), 0) << "api -> db must be cut";
  EXPECT_EQ(delivered(from_db, at_api, "10.77.0.5", 7001), 20) << "db -> api must pass";
  const auto list = run_cmd(cli("fault " + run_ + " list"));
  EXPECT_NE(list.out.find("api -/-> db  dropped 20"), std::string::npos) << list.out;

  r = run_cmd(cli("fault " + run_ + " heal"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(delivered(from_api, at_db, "10.77.0.6", 7002), 20);
  EXPECT_EQ(delivered(from_db, at_api, "10.77.0.5", 7001), 20);
  for (int fd : {at_api, at_db, from_api, from_db}) ::close(fd);
}

TEST_F(Faults, PortPartitionCutsOnlyThatPort) {
  const int at_db1 = udp_in("db", 7101), at_db2 = udp_in("db", 7102), from_api = udp_in("api", 7103);
  auto r = run_cmd(cli("fault " + run_ + " partition api to db udp:7101"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(delivered(from_api, at_db1, "10.77.0.6", 7101), 0);
  EXPECT_EQ(delivered(from_api, at_db2, "10.77.0.6", 7102), 20);
  for (int fd : {at_db1, at_db2, from_api}) ::close(fd);
}

TEST_F(Faults, BadValuesAreRefusedAndChangeNothing) {
  auto r = run_cmd(cli("fault " + run_ + " link:api-db loss=200%"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("loss"), std::string::npos) << r.out;
  r = run_cmd(cli("fault " + run_ + " link:api-db dealy=5ms"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean 'delay'"), std::string::npos) << r.out;
  r = run_cmd(cli("fault " + run_ + " link:api-nowhere delay=5ms"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NEAR(rtt_ms("api", "db"), 4.0, tol(1.5));
}

TEST_F(Faults, FlappingPartitionDropsAboutHalfTheTime) {
  const int at_db = udp_in("db", 7201), from_api = udp_in("api", 7202);
  auto r = run_cmd(cli("fault " + run_ + " partition api to db flap=200ms/200ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  // 100 datagrams over 2 s (five whole on/off periods): about half arrive.
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7201);
  inet_pton(AF_INET, "10.77.0.6", &a.sin_addr);
  for (int i = 0; i < 100; ++i) {
    ::sendto(from_api, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::usleep(20'000);
  }
  int got = 0;
  char buf[8];
  while (::recv(at_db, buf, sizeof buf, 0) > 0) ++got;
  EXPECT_GE(got, 30);
  EXPECT_LE(got, 70);
  const auto list = run_cmd(cli("fault " + run_ + " list"));
  EXPECT_NE(list.out.find("flapping 200ms on/200ms off"), std::string::npos) << list.out;
  ::close(at_db);
  ::close(from_api);
}
