// SPDX-License-Identifier: Apache-2.0
// The fuzz targets' entry functions. Each takes the fuzzer's bytes, runs one
// parser over them and checks what must hold for any input; a broken
// property throws CheckFailed (the fuzzer then reports a crash and keeps the
// input). The libFuzzer drivers (fuzz/driver.cpp) call them, and the unit
// tier replays every kept finding (fuzz/regressions/NAME/) through the same
// functions (tests/unit/test_fuzz_regressions.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace faultline::fuzz {

struct CheckFailed : std::logic_error {
  using std::logic_error::logic_error;
};

inline void check(bool ok, const std::string& what) {
  if (!ok) throw CheckFailed(what);
}

// A control protocol's refusal goes back to the client as JSON
// ({"ok":false,"error":...}): true when that answer can be written
// (nlohmann throws on invalid UTF-8). printable(): the text with invalid
// UTF-8 replaced, for a failed check's message.
bool answer_serializes(const std::string& error);
std::string printable(const std::string& text);

using Entry = int (*)(const uint8_t* data, size_t size);

// TOML text, then --set overrides, each after a NUL byte (which argv cannot
// hold, so every override a command line can pass is reachable).
int loader(const uint8_t* data, size_t size);
// The same text through the duration, size, rate and percentage parsers.
int units(const uint8_t* data, size_t size);
// The same text through the distribution and backoff parsers.
int dist_backoff(const uint8_t* data, size_t size);
// A /metrics page through the exposition-format reader.
int prom_text(const uint8_t* data, size_t size);
// One request to the run owner's control socket (runtime::parse_control_request).
int control_request(const uint8_t* data, size_t size);
// One request line to the link engine (netem::engine::parse_engine_request).
int engine_request(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // fuzz/CMakeLists.txt's fl_fuzz_target name, fuzz/regressions/NAME
  Entry entry;
};
inline constexpr Target kTargets[] = {
    {"loader", loader},
    {"units", units},
    {"dist_backoff", dist_backoff},
    {"prom_text", prom_text},
    {"control_request", control_request},
    {"engine_request", engine_request},
};

}  // namespace faultline::fuzz
