#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Link engine benchmark: baseline (direct veth pair) and faultline-linkd in
# one run, as root. Usage: bench/engine/run.sh [BUILD_DIR]   (default: build)
# Prints a table; the figures in bench/README.md ("## Link engine") come
# from it. Timing figures need a quiet machine: the load average is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
if [[ $(id -u) -ne 0 ]]; then
  echo "bench/engine/run.sh: needs root (network namespaces)" >&2
  exit 3
fi
cmake --build "$BUILD" --target fl_bench_engine faultline-linkd -j "$(nproc)" >/dev/null
exec "$BUILD/bench/engine/fl_bench_engine"
