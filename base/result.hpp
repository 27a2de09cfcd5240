// SPDX-License-Identifier: Apache-2.0
// Recoverable errors are returned values (bpftrace style): a Result carries
// either a value or an Error with the errno and what was being done. Only
// FatalError is thrown, and only main catches it.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace faultline {

struct Error {
  int err = 0;          // errno, or 0 when the failure is not a system call's
  std::string context;  // what was being done, e.g. "create veth api-db in netns of api"

  std::string message() const {
    if (err == 0) return context;
    return context + ": " + std::strerror(err);
  }
};

// An Error from the current errno.
inline Error sys_error(std::string context) { return Error{errno, std::move(context)}; }
inline Error sys_error(int err, std::string context) { return Error{err, std::move(context)}; }
inline Error logic_error(std::string context) { return Error{0, std::move(context)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

// Adds what the caller was doing in front of an error's context.
inline Error wrap(const Error& e, const std::string& outer) {
  return Error{e.err, outer + ": " + e.context};
}

// The one exception: caught in main, printed, turned into an exit code.
class FatalError : public std::runtime_error {
 public:
  FatalError(int exit_code, const std::string& what)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Exit codes of the CLI (documented in the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitExpectationFailed = 1,
  kExitBadInput = 2,
  kExitEnvironment = 3,
  kExitRuntime = 4,
};

}  // namespace faultline

// Propagates an error from an expression returning Result<...> / Status.
#define FL_TRY(expr)                                          \
  do {                                                        \
    auto fl_try_r_ = (expr);                                  \
    if (!fl_try_r_.ok()) return std::move(fl_try_r_).error(); \
  } while (0)
