#!/usr/bin/env bash
# Runs every benchmark; each prints its own baseline and ratios.
set -euo pipefail
BUILD=${1:-build}
"$BUILD/bench/fl_bench_topology" "${@:2}"
for b in "$BUILD"/bench/engine/fl_bench_engine; do
  [[ -x "$b" ]] && "$b"
done
