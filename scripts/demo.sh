#!/usr/bin/env bash
# The default demo: bring the default topology up, show it working, take it
# down. (Once the experiment runner lands, this runs the default experiment.)
set -euo pipefail
BUILD=${1:-build}
FL="$BUILD/orchestrator/faultline"
TOPO=topologies/chain3.toml
RUN=demo-$$

echo "== faultline doctor"
"$FL" doctor || true
echo
echo "== faultline plan $TOPO"
"$FL" plan --name "$RUN" "$TOPO"
echo
echo "== faultline up $TOPO --name $RUN"
"$FL" up --name "$RUN" "$TOPO"
trap '"$FL" down "$RUN" >/dev/null 2>&1 || true' EXIT
echo
echo "== hostnames and reachability by name (client -> api -> db: two hops)"
for n in client api db; do
  printf '%s: hostname=' "$n"; "$FL" exec "$RUN" "$n" -- hostname
done
"$FL" exec "$RUN" client -- ping -c 3 -i 0.2 db
echo
echo "== live faults: api-db delay set to 50 ms each way, then a one-way partition api to db"
"$FL" fault "$RUN" link:api-db delay=50ms
"$FL" exec "$RUN" client -- ping -c 3 -i 0.2 db | tail -1
"$FL" fault "$RUN" partition api to db
"$FL" exec "$RUN" db -- ping -c 3 -i 0.2 -W 1 api | grep -E 'transmitted' || true
"$FL" fault "$RUN" list
"$FL" fault "$RUN" --clear all
"$FL" exec "$RUN" client -- ping -c 3 -i 0.2 db | tail -1
echo
echo "== faultline status $RUN"
"$FL" status "$RUN"
echo
echo "== faultline down $RUN"
"$FL" down "$RUN"
trap - EXIT
echo "demo done: the kernel is back to where it was."
