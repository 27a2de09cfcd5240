#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzzer of a FAULTLINE_FUZZ build for FUZZ_SECONDS each (60),
# one after the other: `make fuzz` calls it. FUZZ_TARGETS="loader units"
# runs only those. Each keeps its growing corpus in BUILD/fuzz/corpus/NAME
# (kept between runs) and writes what it finds to BUILD/fuzz/findings/NAME/;
# the script exits 1 when any fuzzer found something. Keep a finding as a
# regression case: fix the bug, then copy the input to fuzz/regressions/NAME/
# (fuzz/README.md).
set -uo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR}
seconds=${FUZZ_SECONDS:-60}
src=$(cd "$(dirname "$0")" && pwd)
dir=$build/fuzz
targets=${FUZZ_TARGETS:-$(cd "$dir" && ls fuzz_*.seeds | sed 's/^fuzz_//; s/\.seeds$//')}

failed=()
summary=()
for name in $targets; do
  bin=$dir/fuzz_$name
  [[ -x $bin ]] || { echo "fuzz: no $bin (build the fuzzers target)" >&2; exit 2; }
  mkdir -p "$dir/corpus/$name" "$dir/findings/$name"
  mapfile -t seeds < "$dir/fuzz_$name.seeds"
  args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/findings/$name/")
  [[ -f $src/dicts/$name.dict ]] && args+=(-dict="$src/dicts/$name.dict")
  echo "fuzz: $name for ${seconds}s (seeds: ${seeds[*]})"
  log=$dir/findings/$name.log
  # The first folder is the corpus libFuzzer adds to; the seed folders are only read.
  "$bin" "${args[@]}" "$dir/corpus/$name" "${seeds[@]}" 2>&1 | tee "$log" | grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' 
  rc=${PIPESTATUS[0]}
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  summary+=("$(printf '%-14s %12s execs %8s/s  %-10s %s' "$name" "${execs:-?}" "${per_s:-?}" "${cov:-}" \
    "$([[ $rc == 0 ]] && echo ok || echo "FOUND (rc $rc, see $log)")")")
  [[ $rc == 0 ]] || failed+=("$name")
done
echo "fuzz: summary (${seconds}s each)"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]} (inputs in $dir/findings/)" >&2
  exit 1
fi
