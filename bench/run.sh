#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark; each prints its own baseline and ratios.
set -euo pipefail
BUILD=${1:-build}
"$BUILD/bench/fl_bench_topology" "${@:2}"
# What the kernel alone costs for the same objects (puts the figures above in proportion).
"$BUILD/bench/fl_bench_kernel_floor" 1000
for b in "$BUILD"/bench/engine/fl_bench_engine; do
  [[ -x "$b" ]] && "$b"
done
# Workloads: faultline-service against nginx under wrk, faultline-loadgen's
# accuracy (needs wrk and nginx-light: scripts/install-deps.sh).
if command -v wrk >/dev/null && { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }; then
  bash "$(dirname "$0")/workloads/run.sh" "$BUILD"
else
  echo "bench/workloads: skipped (wrk or nginx missing; scripts/install-deps.sh installs them)"
fi
