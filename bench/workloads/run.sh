#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Workload benchmark (issue 4), one run, two parts; the figures in
# bench/README.md ("## Workloads") come from it.
#
#  1. faultline-service with no work against nginx (Debian nginx-light)
#     serving a static page of the same size (64 bytes), each alone on the
#     same CPU, driven in turn by wrk from another CPU (keep-alive, the same
#     threads, connections and duration, a few rounds, alternating which one
#     goes first): req/s per core of server CPU (requests / (utime + stime of
#     the server's processes over the round)), wrk's p99, and the ratio
#     service / nginx (target >= 0.5).
#  3. request records (workloads/trace): a faultline-service that calls a
#     second one (per request: a request, a call and an attempt span in the
#     first, a request span in the second), records on and off in
#     alternating rounds under the same wrk load, /records pulled every
#     second as the orchestrator does: req/s per core of the two services'
#     CPU, and the ratio on / off (target >= 0.95: records cost at most 5%).
#  2. faultline-loadgen, pinned to one CPU, against a faultline-service at
#     1k, 10k, 20k req/s, constant and Poisson arrivals: achieved rate
#     against the target (target: within 1%), the generator's send lag
#     (request start - intended send time, its own histogram), latency from
#     the intended send time against the service's own mean duration.
#
# Usage: bench/workloads/run.sh [BUILD_DIR]     (default: build)
# Knobs (environment): SERVER_CPU=1 CLIENT_CPU=0 THREADS=1 CONNECTIONS=50
#   DURATION=10 (s per wrk round) ROUNDS=3 LOAD_SECONDS=5 RATES="1000 10000 20000"
#   ARRIVALS="constant poisson" PARTS="1 2 3" BUILD_JOBS=$(nproc) NO_BUILD=1 (skip cmake --build)
#   CLIENT_NICE=0 (nice of wrk and the load generator: -10 gives them their CPU on a shared machine)
#   NGINX_EXTRA (directives added to nginx's http block; default 'open_file_cache max=16;', a
#   usual setting for static content that spares an open/close per request; '' for none)
#
# Only loopback: as root (or with unprivileged user namespaces) the script
# re-executes itself in a private network namespace, where lo is the only
# interface; faultline-loadgen binds its metrics port on 0.0.0.0, so part 2
# runs only there. Every process it starts is stopped by pid on exit.
set -euo pipefail
export LC_ALL=C  # "." in $EPOCHREALTIME and in numbers awk reads
SELF=$(realpath "$0")
BUILD=$(realpath -m "${1:-$(dirname "$SELF")/../../build}")  # a relative BUILD_DIR: from the caller's directory
cd "$(dirname "$SELF")/../.."
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
LOAD_SECONDS=${LOAD_SECONDS:-5}
RATES=${RATES:-1000 10000 20000}
ARRIVALS=${ARRIVALS:-constant poisson}
PARTS=${PARTS:-1 2 3}
CLIENT_NICE=${CLIENT_NICE:-0}
PAGE_BYTES=64

die() { echo "bench/workloads: $*" >&2; exit "${2:-3}"; }

# --- a private network namespace: loopback only, no port of the host used ---
if [[ -z "${FL_BENCH_NETNS:-}" ]]; then
  if unshare -n true 2>/dev/null; then
    FL_BENCH_NETNS=root exec unshare -n -- "$BASH" "$SELF" "$BUILD"
  elif unshare -rn true 2>/dev/null; then
    FL_BENCH_NETNS=user exec unshare -rn -- "$BASH" "$SELF" "$BUILD"
  fi
  FL_BENCH_NETNS=host
  echo "bench/workloads: no private network namespace (not root, no user namespaces): host loopback"
else
  ip link set lo up || die "cannot bring lo up in the private network namespace"
fi

for tool in wrk nginx taskset pgrep; do
  command -v "$tool" >/dev/null || [[ -x "/usr/sbin/$tool" ]] ||
    die "$tool missing (scripts/install-deps.sh installs wrk and nginx-light)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
(($(nproc) >= 2)) || die "needs 2 CPUs (server and client on different ones)"

SERVICE_BIN=$BUILD/workloads/service/faultline-service
LOADGEN_BIN=$BUILD/workloads/loadgen/faultline-loadgen
if [[ -z "${NO_BUILD:-}" ]]; then
  cmake --build "$BUILD" --target faultline-service -j "${BUILD_JOBS:-$(nproc)}" >/dev/null
  # Part 1 does not need the load generator.
  cmake --build "$BUILD" --target faultline-loadgen -j "${BUILD_JOBS:-$(nproc)}" >/dev/null ||
    { echo "bench/workloads: faultline-loadgen does not build, part 2 will be skipped" >&2; LOADGEN_BIN=; }
fi
[[ -x "$SERVICE_BIN" ]] || die "$SERVICE_BIN not built"

# --- processes we start, stopped by pid on any exit (Ctrl-C included) ---
TMP=$(mktemp -d /tmp/fl-bench-workloads.XXXXXX)
chmod 755 "$TMP"  # nginx's worker (user nobody when run as root) reads the page
PIDS=()
MAIN_PID=$BASHPID
cleanup() {
  # A signal that lands while bash forks a subshell can run the trap in the
  # subshell too: only the main shell cleans up.
  [[ $BASHPID == "$MAIN_PID" ]] || return 0
  local p mine
  # Our children by parent pid as well as the list: one started just before
  # the signal may not be in the list yet.
  mine=$(pgrep -P "$MAIN_PID" || true)
  for p in "${PIDS[@]}" $mine; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}" $mine; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {  # forget_pid PID: it has been waited for
  local q keep=()
  for q in "${PIDS[@]}"; do [[ "$q" == "$1" ]] || keep+=("$q"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}
# client OUT CMD...: runs CMD on CLIENT_CPU, stdout to OUT, and waits for it.
# In the background and waited for with `wait`, which a trapped signal
# interrupts at once: Ctrl-C stops the run even when CMD catches SIGINT and
# exits normally (as wrk and the load generator do).
client() {
  local out=$1 p rc=0
  shift
  nice -n "$CLIENT_NICE" taskset -c "$CLIENT_CPU" "$@" >"$out" 2>"$out.err" &
  p=$!
  PIDS+=("$p")
  wait "$p" || rc=$?
  forget_pid "$p"
  ((rc == 0)) || { cat "$out.err" >&2; die "$1 failed (exit $rc)" 4; }
}
stop_pid() {  # stop_pid PID: TERM, wait, forget
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

CLK_TCK=$(getconf CLK_TCK)
# CPU seconds (utime + stime, all threads) of the given pids.
cpu_seconds() {
  local p ticks=0 t
  for p in "$@"; do
    # Fields after "(comm) ": state is $1, utime $12, stime $13.
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    ticks=$((ticks + t))
  done
  awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }'
}

# GET over bash's /dev/tcp (no curl needed): the body of http://127.0.0.1:PORT/PATH.
http_get() {
  local port=$1 path=$2
  exec 9<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&9
  cat <&9
  exec 9<&-
}

wait_port() {  # wait_port PORT PID: until something accepts on 127.0.0.1:PORT
  local _
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || return 1
    (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A free port on 127.0.0.1 for nginx (which needs it in its file): one that
# nothing listens on now; nginx failing to bind it is reported.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
}

# Starts faultline-service with no work on SERVER_CPU; sets SVC_PID, SVC_PORT.
start_service() {
  cat >"$TMP/service.json" <<EOF
{"node": "bench", "seed": 1,
 "service": {"name": "bench", "port": 0, "workers": 1024, "queue": 1024,
             "endpoints": [{"path": "/", "response_bytes": $PAGE_BYTES}]}}
EOF
  : >"$TMP/service.out"  # exists before the background job opens it: read at once below
  taskset -c "$SERVER_CPU" "$SERVICE_BIN" --config "$TMP/service.json" --listen 127.0.0.1 \
    >"$TMP/service.out" 2>"$TMP/service.err" &
  SVC_PID=$!
  PIDS+=("$SVC_PID")
  local _
  for _ in $(seq 100); do
    SVC_PORT=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/service.out")
    [[ -n "$SVC_PORT" ]] && return 0
    kill -0 "$SVC_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$TMP/service.err" >&2
  die "faultline-service did not start" 4
}

# Starts nginx (own prefix and config, one worker) on SERVER_CPU; sets NGX_PID
# (the master), NGX_PIDS (master and worker), NGX_PORT.
start_nginx() {
  local d=$TMP/nginx
  mkdir -p "$d/www" "$d/logs"
  chmod 755 "$d" "$d/www"
  head -c "$PAGE_BYTES" /dev/zero | tr '\0' x >"$d/www/index.html"
  NGX_PORT=$(free_port)
  cat >"$d/nginx.conf" <<EOF
daemon off;
$([[ $FL_BENCH_NETNS == user ]] && echo "user root;  # a user namespace maps no other uid")
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;   # as the service: never closes a keep-alive connection
  default_type text/html;
  ${NGINX_EXTRA-open_file_cache max=16;}
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT;
    root $d/www;
    location / { index index.html; }
  }
}
EOF
  taskset -c "$SERVER_CPU" "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" \
    >"$d/logs/stdout" 2>&1 &
  NGX_PID=$!
  PIDS+=("$NGX_PID")
  wait_port "$NGX_PORT" "$NGX_PID" || { cat "$d/logs/error.log" >&2; die "nginx did not start" 4; }
  # The master forks its worker after the listen socket exists.
  local _ workers
  for _ in $(seq 100); do
    mapfile -t workers < <(pgrep -P "$NGX_PID" || true)
    NGX_PIDS=("$NGX_PID" "${workers[@]}")
    ((${#NGX_PIDS[@]} >= 2)) && break
    sleep 0.05
  done
  ((${#NGX_PIDS[@]} == 2)) || die "nginx: expected a master and one worker, found pids ${NGX_PIDS[*]}" 4
  local body
  body=$(http_get "$NGX_PORT" / | tail -c "$PAGE_BYTES")
  [[ ${#body} -eq $PAGE_BYTES ]] || die "nginx does not serve the page"
}

# wrk_round NAME PORT PIDS...: one wrk run; appends "name rps p99_us cpu_s
# wall_s requests errors" to $TMP/rounds.
wrk_round() {
  local name=$1 port=$2
  shift 2
  local c0 c1 t0 t1
  c0=$(cpu_seconds "$@")
  t0=$EPOCHREALTIME
  client "$TMP/wrk.out" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "http://127.0.0.1:$port/"
  t1=$EPOCHREALTIME
  c1=$(cpu_seconds "$@")
  awk -v name="$name" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" '
    function us(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return v * 1000
      if (v ~ /s$/) return v * 1e6
      return v + 0
    }
    $1 == "99%" { p99 = us($2) }
    /requests in/ { req = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    END { printf "%s %.1f %.1f %.3f %.3f %d %d\n", name, rps, p99, c1 - c0, t1 - t0, req, err + 0 }
  ' "$TMP/wrk.out" >>"$TMP/rounds"
}

part1() {
  echo
  echo "== 1. faultline-service (no work) vs nginx, 64-byte page, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive"
  echo "   servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU, $ROUNDS rounds (alternating order)"
  start_service
  start_nginx
  local body
  body=$(http_get "$SVC_PORT" / | tail -c "$PAGE_BYTES")
  [[ ${#body} -eq $PAGE_BYTES ]] || die "faultline-service does not serve $PAGE_BYTES bytes"
  # Warm-up (not measured): connections, caches, the allocator.
  client "$TMP/warmup.out" wrk -t "$THREADS" -c "$CONNECTIONS" -d 1s "http://127.0.0.1:$NGX_PORT/"
  client "$TMP/warmup.out" wrk -t "$THREADS" -c "$CONNECTIONS" -d 1s "http://127.0.0.1:$SVC_PORT/"
  : >"$TMP/rounds"
  local r
  for r in $(seq "$ROUNDS"); do
    if ((r % 2)); then
      wrk_round nginx "$NGX_PORT" "${NGX_PIDS[@]}"
      wrk_round service "$SVC_PORT" "$SVC_PID"
    else
      wrk_round service "$SVC_PORT" "$SVC_PID"
      wrk_round nginx "$NGX_PORT" "${NGX_PIDS[@]}"
    fi
  done
  stop_pid "$NGX_PID"
  stop_pid "$SVC_PID"
  awk '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
      n[$1]++; k = n[$1]
      rps[$1, k] = $2; p99[$1, k] = $3; cpu[$1, k] = $4 / $5
      pc[$1, k] = $4 > 0 ? $6 / $4 : 0; errs[$1] += $7
      printf "   round %d %-8s %9.0f req/s  p99 %7.0f us  server CPU %4.0f%%  %9.0f req/s per core\n", k, $1, $2, $3, 100 * $4 / $5, pc[$1, k]
    }
    END {
      print ""
      printf "   | server | req/s | server CPU | req/s per core | p99 |\n"
      printf "   |---|---|---|---|---|\n"
      split("nginx service", names, " ")
      for (s = 1; s <= 2; s++) {
        m = names[s]
        for (k = 1; k <= n[m]; k++) { a[k] = rps[m, k] }; R[m] = median(a, n[m])
        for (k = 1; k <= n[m]; k++) { a[k] = pc[m, k] }; PC[m] = median(a, n[m])
        for (k = 1; k <= n[m]; k++) { a[k] = p99[m, k] }; P[m] = median(a, n[m])
        for (k = 1; k <= n[m]; k++) { a[k] = cpu[m, k] }; C[m] = median(a, n[m])
        lo = hi = pc[m, 1]
        for (k = 2; k <= n[m]; k++) { if (pc[m, k] < lo) lo = pc[m, k]; if (pc[m, k] > hi) hi = pc[m, k] }
        printf "   | %s | %.0f | %.0f%% | %.0f (rounds %.0f-%.0f) | %.0f us |\n", m, R[m], 100 * C[m], PC[m], lo, hi, P[m]
      }
      ratio = PC["nginx"] > 0 ? PC["service"] / PC["nginx"] : 0
      printf "   medians over %d rounds; errors: nginx %d, service %d\n", n["nginx"], errs["nginx"], errs["service"]
      printf "   service / nginx, req/s per core: %.2f (target >= 0.5: %s); req/s: %.2f; p99: %.2fx\n", ratio,
             (ratio >= 0.5 ? "met" : "NOT met"), R["service"] / R["nginx"], P["service"] / P["nginx"]
    }
  ' "$TMP/rounds"
}

# The value of a series of a Prometheus text page: metric{labels} value.
prom_value() {  # prom_value FILE 'name{...}' -> the first matching sample (0 if none)
  awk -v want="$2" 'index($0, want) == 1 { v = $NF; found = 1; exit } END { print found ? v : 0 }' "$1"
}

# CPU seconds of this shell's waited-for children, from the output of `times`
# (run in this shell, not a subshell: a fork starts its own counts at 0).
children_cpu() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"; }

# scrape VAR FILE: the service's /metrics into FILE, VAR = the time of the scrape
# (the middle of the exchange), without a subshell.
scrape() {
  local -n at=$1
  local a=$EPOCHREALTIME
  http_get "$SVC_PORT" /metrics >"$2"
  # shellcheck disable=SC2034  # a nameref: sets the caller's variable
  at=$(awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", (a + b) / 2 }')
}

# sleep_until T: sleeps until the epoch time T (seconds, fractional); waited
# for with `wait`, so that a signal ends the run at once.
sleep_until() {
  local p
  sleep "$(awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { d = t - n; print (d > 0 ? d : 0) }')" &
  p=$!
  PIDS+=("$p")
  wait "$p" || true
  forget_pid "$p"
}

part2() {
  echo
  echo "== 2. faultline-loadgen accuracy: ${LOAD_SECONDS}s per rate, loadgen on CPU $CLIENT_CPU, faultline-service (no work) on CPU $SERVER_CPU"
  if [[ -z "$LOADGEN_BIN" || ! -x "$LOADGEN_BIN" ]]; then
    echo "   skipped: faultline-loadgen not built"
    return
  fi
  if [[ "$FL_BENCH_NETNS" == host ]]; then
    echo "   skipped: faultline-loadgen serves /metrics on 0.0.0.0, run only in a private network namespace"
    return
  fi
  ((LOAD_SECONDS >= 3)) || die "LOAD_SECONDS must be at least 3" 2
  start_service
  local mport arrival rate launch ta tb lg_pid cpu
  mport=$(free_port)
  echo '   | arrival | target req/s | on the wire (service) | error | achieved (loadgen) | send lag p50 / p99 / max | latency from intended p50 / p99 | service mean | failed | loadgen CPU |'
  echo '   |---|---|---|---|---|---|---|---|---|---|'
  for arrival in $ARRIVALS; do
    for rate in $RATES; do
      cat >"$TMP/load.json" <<EOF
{"node": "client", "seed": 1, "duration_ns": $((LOAD_SECONDS * 1000000000)),
 "load": {"target_node": "127.0.0.1", "target_port": $SVC_PORT, "rate": $rate,
          "arrival": "$arrival", "connections": 64, "timeout_ns": 1000000000,
          "metrics_port": $mport}}
EOF
      times >"$TMP/times0"
      launch=$EPOCHREALTIME
      nice -n "$CLIENT_NICE" taskset -c "$CLIENT_CPU" "$LOADGEN_BIN" --config "$TMP/load.json" >"$TMP/load.out" 2>"$TMP/load.err" &
      # Not client(): the rate on the wire is sampled while it runs.
      lg_pid=$!
      PIDS+=("$lg_pid")
      # The rate on the wire: the service's 200s over [1 s, duration - 0.5 s]
      # after the launch, start-up and the end left out.
      sleep_until "$(awk -v l="$launch" 'BEGIN { printf "%.6f", l + 1 }')"
      scrape ta "$TMP/a.prom"
      sleep_until "$(awk -v l="$launch" -v s="$LOAD_SECONDS" 'BEGIN { printf "%.6f", l + s - 0.5 }')"
      scrape tb "$TMP/b.prom"
      if ! wait "$lg_pid"; then
        forget_pid "$lg_pid"
        cat "$TMP/load.err" >&2
        die "faultline-loadgen failed" 4
      fi
      forget_pid "$lg_pid"
      times >"$TMP/times1"
      cpu=$(awk -v a="$(children_cpu "$TMP/times0")" -v b="$(children_cpu "$TMP/times1")" 'BEGIN { print b - a }')
      awk -v arrival="$arrival" -v rate="$rate" -v secs="$LOAD_SECONDS" -v ta="$ta" -v tb="$tb" -v cpu="$cpu" \
        -v ok0="$(prom_value "$TMP/a.prom" 'faultline_requests_total{code="200",endpoint="/"')" \
        -v ok1="$(prom_value "$TMP/b.prom" 'faultline_requests_total{code="200",endpoint="/"')" \
        -v s0="$(prom_value "$TMP/a.prom" 'faultline_request_duration_seconds_sum{endpoint="/"')" \
        -v s1="$(prom_value "$TMP/b.prom" 'faultline_request_duration_seconds_sum{endpoint="/"')" '
        function num(s, key,   i, r) {
          i = index(s, "\"" key "\":"); if (!i) return "nan"
          r = substr(s, i + length(key) + 3); match(r, /^[-0-9.eE+]+/); return substr(r, 1, RLENGTH) + 0
        }
        function obj(s, key,   i) { i = index(s, "\"" key "\":{"); return i ? substr(s, i, index(substr(s, i), "}")) : "" }
        {
          served = ok1 - ok0; wire = served / (tb - ta)
          err = 100 * (wire - rate) / rate
          if (arrival == "constant") verdict = (err < 1 && err > -1) ? "ok" : "OFF"
          else verdict = sprintf("%+.1f sd", err / (100 / sqrt(rate * (tb - ta))))  # Poisson count: sd sqrt(n)
          lag = obj($0, "lag_us"); lat = obj($0, "latency_us")
          mean = served > 0 ? 1e6 * (s1 - s0) / served : 0
          failed = num($0, "failed")
          causes = obj($0, "failed_by_cause"); gsub(/["{}]/, "", causes); sub(/^failed_by_cause:/, "", causes)
          printf "   | %s | %d | %.1f | %+.2f%% (%s) | %.1f | %.0f / %.0f / %.0f us | %.0f / %.0f us | %.1f us | %d%s | %.0f%% |\n",
                 arrival, rate, wire, err, verdict, num($0, "achieved_rate"), num(lag, "p50"), num(lag, "p99"),
                 num(lag, "max"), num(lat, "p50"), num(lat, "p99"), mean, failed,
                 (failed > 0 && causes != "" ? " (" causes ")" : ""), 100 * cpu / secs
        }' "$TMP/load.out"
    done
  done
  stop_pid "$SVC_PID"
  echo "   on the wire = 200s the service counted (its /metrics) over [1 s, ${LOAD_SECONDS} s - 0.5 s] of the run, per second;"
  echo "   achieved = the loadgen's own count of requests started in its window; send lag = request start - intended"
  echo "   send time (loadgen histogram); latency from the intended send time; service mean = its own duration sum / count"
}

# start_pair RECORDS: a front service calling a leaf service, both on
# SERVER_CPU, with request records on (true) or off (false); sets FRONT_PID,
# LEAF_PID, FRONT_PORT, LEAF_PORT.
start_pair() {
  local rec=$1 name port pid
  LEAF_PORT=$(free_port)
  cat >"$TMP/leaf.json" <<EOF
{"node": "bench", "seed": 1, "records": {"enabled": $rec},
 "service": {"name": "leaf", "port": $LEAF_PORT, "workers": 1024, "queue": 1024,
             "endpoints": [{"path": "/", "response_bytes": $PAGE_BYTES}]}}
EOF
  FRONT_PORT=$(free_port)
  cat >"$TMP/front.json" <<EOF
{"node": "bench", "seed": 1, "records": {"enabled": $rec},
 "service": {"name": "front", "port": $FRONT_PORT, "workers": 1024, "queue": 1024,
             "endpoints": [{"path": "/", "response_bytes": $PAGE_BYTES,
                            "calls": [{"to_node": "127.0.0.1", "to_port": $LEAF_PORT, "path": "/",
                                       "timeout_ns": 1000000000}]}]}}
EOF
  for name in leaf front; do
    taskset -c "$SERVER_CPU" "$SERVICE_BIN" --config "$TMP/$name.json" --listen 127.0.0.1 \
      >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    PIDS+=("$pid")
    if [[ $name == leaf ]]; then port=$LEAF_PORT; LEAF_PID=$pid; else port=$FRONT_PORT; FRONT_PID=$pid; fi
    wait_port "$port" "$pid" || { cat "$TMP/$name.err" >&2; die "faultline-service $name did not start" 4; }
  done
  local body
  body=$(http_get "$FRONT_PORT" / | tail -c "$PAGE_BYTES")
  [[ ${#body} -eq $PAGE_BYTES ]] || die "the front service does not answer through its leaf"
}

# Pulls /records of both services every second until stopped, as the
# orchestrator's collector does; the bytes pulled so far go to $TMP/pulled.
puller() {
  local bytes=0 b port
  while :; do
    for port in "$FRONT_PORT" "$LEAF_PORT"; do
      b=$(http_get "$port" /records | wc -c)
      bytes=$((bytes + b))
    done
    echo "$bytes" >"$TMP/pulled"
    sleep 1
  done
}

part3() {
  echo
  echo "== 3. request records on and off: faultline-service calling a second one, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
  echo "   both services on CPU $SERVER_CPU, wrk and the /records puller on CPU $CLIENT_CPU, $ROUNDS rounds each (alternating)"
  : >"$TMP/rounds"
  local r rec order puller_pid
  for r in $(seq "$ROUNDS"); do
    if ((r % 2)); then order="true false"; else order="false true"; fi
    for rec in $order; do
      start_pair "$rec"
      client "$TMP/warmup.out" wrk -t "$THREADS" -c "$CONNECTIONS" -d 1s "http://127.0.0.1:$FRONT_PORT/"
      rm -f "$TMP/pulled"
      (taskset -p -c "$CLIENT_CPU" $BASHPID >/dev/null; puller) &
      puller_pid=$!
      PIDS+=("$puller_pid")
      wrk_round "records_$rec" "$FRONT_PORT" "$FRONT_PID" "$LEAF_PID"
      stop_pid "$puller_pid"
      echo "   round $r records $rec: $(cat "$TMP/pulled" 2>/dev/null || echo 0) bytes of records pulled"
      stop_pid "$FRONT_PID"
      stop_pid "$LEAF_PID"
    done
  done
  awk '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
      n[$1]++; k = n[$1]
      pc[$1, k] = $4 > 0 ? $6 / $4 : 0; rps[$1, k] = $2; errs[$1] += $7
      printf "   round %d %-14s %9.0f req/s  server CPU %4.0f%%  %9.0f req/s per core\n", k, $1, $2, 100 * $4 / $5, pc[$1, k]
    }
    END {
      split("records_true records_false", names, " ")
      for (s = 1; s <= 2; s++) {
        m = names[s]
        for (k = 1; k <= n[m]; k++) { a[k] = pc[m, k] }; PC[m] = median(a, n[m])
        for (k = 1; k <= n[m]; k++) { a[k] = rps[m, k] }; R[m] = median(a, n[m])
      }
      ratio = PC["records_false"] > 0 ? PC["records_true"] / PC["records_false"] : 0
      printf "   medians: records on %.0f, off %.0f req/s per core (req/s %.0f vs %.0f); errors on %d, off %d\n",
             PC["records_true"], PC["records_false"], R["records_true"], R["records_false"], errs["records_true"], errs["records_false"]
      printf "   records on / off, req/s per core: %.3f (target >= 0.95: %s)\n", ratio, (ratio >= 0.95 ? "met" : "NOT met")
    }
  ' "$TMP/rounds"
}

echo "bench/workloads: $(date -u '+%F %T') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), network: $([[ $FL_BENCH_NETNS == host ]] && echo host loopback || echo "private namespace ($FL_BENCH_NETNS)")"
for part in $PARTS; do
  "part$part"
done
echo
echo "bench/workloads: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
