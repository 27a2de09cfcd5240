// SPDX-License-Identifier: Apache-2.0
// `faultline watch RUN`: the present moment of a run, refreshed every
// second, from the live.json its owner (`faultline up`'s, or `faultline
// run` itself) replaces in the run's state folder after each tick
// (experiment/live_board.hpp): no port, no connection, so it works over ssh
// and as any user who may read the state folder. On a terminal the screen is
// redrawn in place; otherwise (a pipe, a file) each refresh is one block of
// plain text. Ends when the run ends, or on Ctrl-C.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/fd.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/cli/failure.hpp"
#include "orchestrator/cli/watch_view.hpp"
#include "orchestrator/runtime/state.hpp"

namespace faultline::cli {

namespace {

// The owner's latest `now`; discarded when absent or unreadable (it is
// replaced by rename, so never half-written).
nlohmann::json read_now(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  return j.is_object() ? j : nlohmann::json(nullptr);
}

bool run_alive(const std::string& run) {
  auto st = runtime::read_run(run);
  return st.ok() && st->owner_alive();
}

}  // namespace

int cmd_watch(const WatchArgs& a) {
  (void)require_run(a.run);
  const std::string path = runtime::run_dir(a.run) + "/live.json";
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  // Ctrl-C (and a closed ssh session) ends the view, not mid-line.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  UniqueFd sfd(::signalfd(-1, &sigs, SFD_CLOEXEC));
  const auto period = std::chrono::milliseconds(static_cast<long>(a.interval_s * 1000));
  // The first `now` comes after the owner's first tick.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const auto now = read_now(path);
    if (now.is_null()) {
      if (!run_alive(a.run)) {
        std::printf("run %s has ended\n", a.run.c_str());
        return 0;
      }
      if (std::chrono::steady_clock::now() > give_up)
        fail(Failure::kRuntime, "run " + a.run + " publishes no live view (" + path +
                                    " is missing): its topology has no services or loads to watch, or its owner "
                                    "could not collect (see its owner.log)");
    } else {
      const std::string block = render_watch(now, tty);
      if (tty) std::fputs("\x1b[H\x1b[2J", stdout);  // home, clear: one screen redrawn in place
      std::fputs(block.c_str(), stdout);
      if (!tty) std::fputs("\n", stdout);
      std::fflush(stdout);
      if (a.once) return 0;
      if (now.value("ended", false)) {
        std::printf("run %s has ended\n", a.run.c_str());
        return 0;
      }
    }
    pollfd p{sfd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(now.is_null() ? 200 : period.count())) > 0) {
      if (tty) std::fputs("\n", stdout);
      return 0;
    }
  }
}

}  // namespace faultline::cli
