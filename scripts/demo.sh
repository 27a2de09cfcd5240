#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The default demo: the shipped experiment topologies/retry-storm.toml end to
# end (about a minute): a retrying three-tier system whose database loses its
# CPU for 10 s. faultline prints the verdict and where the report is.
set -euo pipefail
BUILD=${1:-build}
FL="$BUILD/orchestrator/faultline"
TOPO=topologies/retry-storm.toml
OUT=results/demo-$(date +%Y%m%d-%H%M%S)

echo "== faultline doctor"
"$FL" doctor || true
echo
echo "== faultline run $TOPO --out $OUT"
set +e
"$FL" run "$TOPO" --out "$OUT"
rc=$?
set -e
# 0: every expectation held; 1: one failed (a finding, not a broken demo).
if [ "$rc" -gt 1 ]; then
  echo "demo failed (exit $rc)" >&2
  exit "$rc"
fi
echo "demo done: the run is down, the kernel is back to where it was; open $OUT/report.html"
