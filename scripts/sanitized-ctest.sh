#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs ctest in a sanitizer build (make test-asan, make test-tsan):
#   scripts/sanitized-ctest.sh BUILD_DIR CTEST_ARGS...
# Every instrumented process writes its reports to BUILD_DIR/sanitizer-reports
# (log_path), not only the test binaries: node processes, the owner daemon
# and the link engine run with their stderr in log files or nowhere, and a
# report of theirs must fail the run even where the test that started them
# passed. The reports are printed at the end; any report fails the run.
# One gap: with GCC, UBSan is its own runtime (libubsan beside libasan) and
# ignores log_path; its reports go to the process's stderr. UBSan does not
# recover, so the process exits 1 there: the test binary itself fails;
# a child's report fails only a test that checks how the child ended.
set -uo pipefail
build=${1:?usage: sanitized-ctest.sh BUILD_DIR CTEST_ARGS...}
shift
reports=$(cd "$build" && pwd)/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# Outside /tmp and /run: nodes have their own of those.
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan"
(cd "$build" && ctest --output-on-failure "$@")
rc=$?
shopt -s nullglob
found=("$reports"/*)
for f in "${found[@]}"; do
  echo "==== sanitizer report $f"
  cat "$f"
done
if ((${#found[@]})); then
  echo "sanitized-ctest: ${#found[@]} sanitizer report(s) in $reports" >&2
  exit 1
fi
exit $rc
