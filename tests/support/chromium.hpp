// SPDX-License-Identifier: Apache-2.0
// Headless Chromium for tests of pages (report.html, the live page): the
// browser's path, its command line with everything that could reach the
// network off, a runner that kills the browser's process group (and only
// it) on a timeout, and the page's render check read from the dumped DOM.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/slurp.hpp"

namespace faultline::testing {

namespace fs = std::filesystem;

inline std::string find_chromium() {
  if (const char* c = std::getenv("FL_CHROMIUM"); c && *c) return c;
  for (const char* p : {"/usr/bin/chromium", "/usr/lib/chromium/chromium"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

struct Ran {
  bool started = false;
  bool timed_out = false;
  int status = -1;
};

// Runs argv in its own process group with stdout and stderr to files, and
// kills that group (and only it) on a timeout or when the browser left
// helpers behind.
inline Ran run(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err, int timeout_s) {
  Ran r;
  const pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    ::setpgid(0, 0);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with the child's own call
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    int st = 0;
    const pid_t w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      r.status = st;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers of this browser that outlived it, if any
  return r;
}

// Chromium with everything that could reach the network off and every host
// resolving to nothing but `allow` (e.g. "127.0.0.1" for a page served on
// loopback; the rule applies to addresses too): a page may reach only what
// it is opened from.
inline std::vector<std::string> chromium_args(const std::string& chromium, const fs::path& profile, int budget_ms,
                                              const std::string& allow = "") {
  return {chromium,
          "--headless=new",
          "--no-sandbox",  // runs as root here
          "--disable-gpu",
          "--user-data-dir=" + profile.string(),
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          "--disable-default-apps",
          "--disable-domain-reliability",
          "--disable-breakpad",
          "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
          "--host-resolver-rules=MAP * ~NOTFOUND" + (allow.empty() ? "" : ", EXCLUDE " + allow),
          "--proxy-server=127.0.0.1:9",
          "--virtual-time-budget=" + std::to_string(budget_ms)};
}

inline std::map<std::string, std::string> render_check(const std::string& dom) {
  std::map<std::string, std::string> out;
  const auto at = dom.find("id=\"render-check\"");
  if (at == std::string::npos) return out;
  const auto begin = dom.rfind('<', at), end = dom.find('>', at);
  const std::string tag = dom.substr(begin, end - begin);
  static const std::regex attr(R"re(([a-z-]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(tag.begin(), tag.end(), attr); it != std::sregex_iterator(); ++it) {
    std::string v = (*it)[2];
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
      for (size_t p = v.find(from); p != std::string::npos; p = v.find(from, p + to.size())) v.replace(p, from.size(), to);
    }
    out[(*it)[1]] = v;
  }
  return out;
}

}  // namespace faultline::testing
