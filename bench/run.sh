#!/usr/bin/env bash
# Benchmarks flexilib's native hello plugin against nginx returning the same
# 13-byte "Hello, World!" body, with wrk, in keep-alive and Connection: close
# modes. Prints a markdown table on stdout; progress and the path of the raw
# wrk outputs go to stderr. See bench/README.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-3s}
FLEXILIB_CMD=${FLEXILIB_CMD:-}
START_TIMEOUT=${START_TIMEOUT:-30}

NGINX_BIN=/usr/sbin/nginx
JAR="$repo/flexilib-server/target/flexilib-server.jar"
PLUGIN="$repo/examples/native/build/libhello.so"
EXPECTED_BODY="Hello, World!"

# Filled in as the run goes; cleanup() reads them.
workdir=""
nginx_pid=""
flexilib_pid=""
nginx_port=""
flexilib_port=""
wrk_pid=""
extra_pids=()          # listeners found by port, in case a command daemonized
policy_rc_created=""   # set while a temporary /usr/sbin/policy-rc.d exists

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

show_logs() {
  # Prints the last lines of each non-empty file given, to help say why a
  # server failed.
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then log "--- last lines of $f:"; tail -n 20 "$f" >&2; fi
  done
  return 0
}

# ---------------------------------------------------------------- processes

descendants() {
  # Prints every descendant pid of $1, depth first.
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

listener_pids() {
  # Prints the pids of the processes that hold a listening socket on port $1.
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un || true
}

process_tree() {
  # Prints $1 (if alive), its descendants, and whatever listens on port $2 with
  # their descendants: covers a wrapper that execs java, one that runs it as a
  # child, and one that daemonizes.
  local root=$1 port=$2 pid
  {
    if [ -n "$root" ] && kill -0 "$root" 2>/dev/null; then
      echo "$root"
      descendants "$root"
    fi
    if [ -n "$port" ]; then
      for pid in $(listener_pids "$port"); do
        echo "$pid"
        descendants "$pid"
      done
    fi
  } | sort -un
}

kill_tree() {
  # Stops $1 and everything under it (and any listener on port $2): TERM first
  # so servers shut down cleanly, KILL whatever is left after 5 s.
  local root=$1 port=$2 pids
  pids=$(process_tree "$root" "$port")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    pids=$(for p in $pids; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
    [ -n "$pids" ] || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  wait "$root" 2>/dev/null || true
}

cleanup() {
  # Best effort from here on: one failed step must not leave servers running.
  set +e
  trap - EXIT INT TERM HUP
  if [ -n "$wrk_pid" ]; then kill -TERM "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null; fi
  if [ -n "$flexilib_pid" ]; then kill_tree "$flexilib_pid" "$flexilib_port"; fi
  if [ -n "$nginx_pid" ]; then kill_tree "$nginx_pid" "$nginx_port"; fi
  local pid
  for pid in "${extra_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ -n "$policy_rc_created" ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -n "$workdir" ]; then log "bench: raw wrk outputs, configs and server logs are in $workdir"; fi
  return 0
}
trap cleanup EXIT
# On Ctrl-C or kill, exit: the EXIT trap then stops the servers. (Background
# jobs of a script ignore SIGINT, so they would otherwise outlive it.)
trap 'log "bench: interrupted"; exit 130' INT
trap 'log "bench: terminated"; exit 143' TERM HUP

rss_mb() {
  # Prints the summed VmRSS, in MB, of the pids given as arguments.
  local pid total=0 kb
  for pid in "$@"; do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  awk -v kb="$total" 'BEGIN { printf "%.1f", kb / 1024 }'
}

java_pids_in() {
  # Of the pids given as arguments, prints those whose program is java.
  local pid
  for pid in "$@"; do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = java ] && echo "$pid"
  done
  return 0
}

# ---------------------------------------------------------------- setup

install_tools() {
  # Installs from Debian what is missing; apt-get update only if needed.
  local missing=()
  [ -x "$NGINX_BIN" ] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v pgrep >/dev/null || missing+=(procps)
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing ${missing[*]}: run as root, or install them with apt-get."
    sudo=(sudo)
  fi
  log "bench: installing ${missing[*]} from Debian packages"
  # Keep the nginx package from starting its own service on port 80: this
  # benchmark runs private instances only.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
    policy_rc_created=1
  fi
  if ! "${sudo[@]}" apt-get update -qq >&2 ||
     ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2; then
    die "could not install ${missing[*]} with apt-get (is a Debian mirror reachable?)."
  fi
  if [ -n "$policy_rc_created" ]; then
    "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
    policy_rc_created=""
  fi
  [ -x "$NGINX_BIN" ] || die "apt-get installed nginx but $NGINX_BIN is missing."
  command -v wrk >/dev/null || die "apt-get installed wrk but it is not on PATH."
}

build_flexilib() {
  # Only the default command needs the jar and the plugin; FLEXILIB_CMD
  # stands on its own.
  [ -z "$FLEXILIB_CMD" ] || return 0
  [ -f "$JAR" ] && [ -f "$PLUGIN" ] && return 0
  [ -x "$repo/bin/build" ] || die "$JAR is missing and there is no bin/build to make it."
  log "bench: building flexilib with bin/build"
  "$repo/bin/build" >&2 || die "bin/build failed."
  [ -f "$JAR" ] || die "bin/build ran but $JAR is still missing."
  [ -f "$PLUGIN" ] || die "bin/build ran but $PLUGIN is still missing."
}

free_ports() {
  # Prints two distinct free TCP ports on 127.0.0.1. Both sockets stay bound
  # until both are known, so the two differ.
  if command -v python3 >/dev/null; then
    python3 - <<'EOF' && return 0
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
  fi
  # Fallback without python: random ports that ss shows unused.
  local a b
  while :; do
    a=$((20000 + RANDOM % 10000)); b=$((a + 1))
    [ -z "$(ss -Hltn "sport = :$a or sport = :$b")" ] && { echo "$a $b"; return 0; }
  done
}

write_nginx_conf() {
  # nginx config for $1 (port); everything it writes stays in $workdir.
  local port=$1 dir=$workdir/nginx
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
error_log $dir/error.log warn;
pid $dir/nginx.pid;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    server {
        listen 127.0.0.1:$port;
        location / {
            default_type text/plain;
            return 200 "$EXPECTED_BODY";
        }
    }
}
EOF
}

wait_ready() {
  # Waits until http://127.0.0.1:$3/ answers 200; fails if process $2 dies
  # first or START_TIMEOUT seconds pass. $1 names the server; the rest are its
  # log files, shown on failure.
  local name=$1 pid=$2 port=$3 deadline=$((SECONDS + START_TIMEOUT)) code body
  shift 3
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$pid" 2>/dev/null && [ -z "$(listener_pids "$port")" ]; then
      show_logs "$@"
      die "$name exited before answering on 127.0.0.1:$port."
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs "$@"
      die "$name did not answer 200 on 127.0.0.1:$port within ${START_TIMEOUT}s (last HTTP status: ${code:-none})."
    fi
    sleep 0.2
  done
  body=$(curl -s --max-time 2 "http://127.0.0.1:$port/" || true)
  # A different body would make the comparison unfair: say so, but go on.
  [ "$body" = "$EXPECTED_BODY" ] || log "bench: warning: $name answers '$body', not '$EXPECTED_BODY'"
  log "bench: $name is up on 127.0.0.1:$port"
}

start_nginx() {
  write_nginx_conf "$nginx_port"
  local dir=$workdir/nginx
  # -e: nginx opens its default error log before reading the config; keep
  # that one in the work dir too. -t first, so a bad config fails clearly.
  "$NGINX_BIN" -t -q -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/stderr.log" ||
    { cat "$dir/stderr.log" >&2; die "nginx rejected $dir/nginx.conf"; }
  "$NGINX_BIN" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" </dev/null >/dev/null 2>"$dir/stderr.log" &
  nginx_pid=$!
  wait_ready nginx "$nginx_pid" "$nginx_port" "$dir/stderr.log" "$dir/error.log"
}

start_flexilib() {
  local errfile=$workdir/flexilib.stderr.log pid
  printf '/ = %s\n' "$PLUGIN" >"$workdir/proxy.ini"
  # stdout is flexilib's access log: drop it, it would only cost disk I/O.
  if [ -n "$FLEXILIB_CMD" ]; then
    PORT=$flexilib_port LISTEN_ADDRESS=127.0.0.1 PROXY_INI=$workdir/proxy.ini \
      bash -c "exec $FLEXILIB_CMD" </dev/null >/dev/null 2>"$errfile" &
  else
    PORT=$flexilib_port LISTEN_ADDRESS=127.0.0.1 \
      "$repo/bin/flexilib" serve --config "$workdir/proxy.ini" </dev/null >/dev/null 2>"$errfile" &
  fi
  flexilib_pid=$!
  wait_ready flexilib "$flexilib_pid" "$flexilib_port" "$errfile"
  # Remember listeners outside the started tree (a command that daemonized)
  # so cleanup stops them too.
  for pid in $(listener_pids "$flexilib_port"); do extra_pids+=("$pid"); done
}

# ---------------------------------------------------------------- wrk

# Results, keyed "mode server round".
declare -A RPS P99 ERRS ERR_DETAIL

to_ms() {
  # wrk prints latencies as 812.00us, 1.20ms, 2.01s or 1.50m.
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) { print "nan"; exit }
    printf "%.3f", n * f
  }'
}

run_wrk() {
  # run_wrk OUTFILE WRK-ARGS...: one wrk run, output to OUTFILE; dies if wrk
  # fails. wrk runs in the background and the shell waits for it: wrk catches
  # Ctrl-C and exits 0, and a shell waiting on a foreground child that survives
  # the signal would never run its INT trap; `wait` is interrupted instead.
  local out=$1 rc=0
  shift
  wrk "$@" >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || rc=$?
  wrk_pid=""
  if [ "$rc" -ne 0 ]; then cat "$out" >&2; die "wrk $* failed (exit $rc); output in $out"; fi
}

check_alive() {
  # A server that died mid-run would show as a slow one: stop instead.
  local name=$1 pid=$2 port=$3
  shift 3
  if ! kill -0 "$pid" 2>/dev/null && [ -z "$(listener_pids "$port")" ]; then
    show_logs "$@"
    die "$name died during the benchmark."
  fi
}

measure() {
  # measure MODE SERVER PORT ROUND: runs wrk and records its numbers.
  local mode=$1 server=$2 port=$3 round=$4 out rps p99 non2xx sock
  local args=(-t1 -c"$CONNECTIONS" -d"$DURATION" --latency)
  if [ "$mode" = close ]; then args+=(-H 'Connection: close'); fi
  out=$workdir/wrk-$mode-$server-round$round.txt
  run_wrk "$out" "${args[@]}" "http://127.0.0.1:$port/"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  if [ -z "$rps" ] || [ -z "$p99" ]; then die "could not read Requests/sec and 99% latency from $out"; fi
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  # "Socket errors: connect 0, read 0, write 0, timeout 0"
  sock=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$out")
  local key="$mode $server $round"
  RPS[$key]=$rps
  P99[$key]=$(to_ms "$p99")
  ERRS[$key]=$(( ${non2xx:-0} + ${sock:-0} ))
  ERR_DETAIL[$key]="non-2xx ${non2xx:-0}; $(grep 'Socket errors:' "$out" | sed 's/^ *//' || echo 'Socket errors: none')"
  log "bench: $mode round $round/$ROUNDS $server: $rps req/s, p99 ${P99[$key]} ms, errors ${ERRS[$key]}"
}

median() {
  # Prints the median of its numeric arguments.
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
  }'
}

# ---------------------------------------------------------------- report

machine_line() {
  local cpu java nginx_v jpids exe
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  # The java the running flexilib uses; else the one bin/flexilib would pick.
  # shellcheck disable=SC2046
  jpids=$(java_pids_in $(process_tree "$flexilib_pid" "$flexilib_port"))
  exe=""
  [ -n "$jpids" ] && exe=$(readlink "/proc/$(echo "$jpids" | head -n1)/exe" 2>/dev/null || true)
  if [ -n "$exe" ]; then
    java=$("$exe" -version 2>&1 | head -n1)
  else
    # shellcheck source=../bin/lib/jdk.sh
    java=$( (. "$repo/bin/lib/jdk.sh" && "$JAVA_HOME/bin/java" -version 2>&1 | head -n1) 2>/dev/null || echo "no JDK 25 found")
    if [ -n "$FLEXILIB_CMD" ]; then java="$java (not used: FLEXILIB_CMD runs no java)"; fi
  fi
  nginx_v=$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')
  printf '%s · %s cores, %s · java: %s · nginx: %s\n' \
    "$(date -u +%F)" "$(nproc)" "${cpu:-unknown cpu}" "$java" "$nginx_v"
}

print_report() {
  local mode server r label rps p99 errs ratio vals ratios
  machine_line
  echo
  printf 'wrk -t1 -c%s -d%s --latency, %s round(s) per mode, alternating nginx and flexilib; warm-up %s each.\n' \
    "$CONNECTIONS" "$DURATION" "$ROUNDS" "$WARMUP"
  if [ -n "$FLEXILIB_CMD" ]; then printf 'The flexilib rows ran FLEXILIB_CMD: %s\n' "\`$FLEXILIB_CMD\`"; fi
  echo
  echo '| mode | server | req/s (median of rounds) | p99 ms (median) | errors | ratio to nginx (req/s) |'
  echo '| --- | --- | ---: | ---: | ---: | ---: |'
  for mode in keep-alive close; do
    for server in nginx flexilib; do
      vals=(); for r in $(seq "$ROUNDS"); do vals+=("${RPS[$mode $server $r]}"); done
      rps=$(median "${vals[@]}")
      vals=(); for r in $(seq "$ROUNDS"); do vals+=("${P99[$mode $server $r]}"); done
      p99=$(median "${vals[@]}")
      errs=0; for r in $(seq "$ROUNDS"); do errs=$((errs + ${ERRS[$mode $server $r]})); done
      if [ "$server" = nginx ]; then
        ratio="1.00"
      else
        # Ratio per round (same conditions), then the median of those.
        ratios=(); for r in $(seq "$ROUNDS"); do
          ratios+=("$(awk -v f="${RPS[$mode flexilib $r]}" -v n="${RPS[$mode nginx $r]}" 'BEGIN { print (n > 0) ? f / n : 0 }')")
        done
        ratio=$(awk -v x="$(median "${ratios[@]}")" 'BEGIN { printf "%.2f", x }')
      fi
      printf '| %s | %s | %.0f | %.2f | %d | %s |\n' "$mode" "$server" "$rps" "$p99" "$errs" "$ratio"
    done
  done
  echo
  echo "ratio = median over rounds of (flexilib req/s / nginx req/s) within a round, so it need not equal the ratio of the two medians."
  echo "errors = non-2xx responses + socket errors, summed over the rounds."
  # The spread tells how far to trust a difference on this machine.
  for mode in keep-alive close; do
    printf -- '- %s, per round: flexilib/nginx' "$mode"
    for r in $(seq "$ROUNDS"); do
      awk -v f="${RPS[$mode flexilib $r]}" -v n="${RPS[$mode nginx $r]}" 'BEGIN { printf " %.2f", (n > 0) ? f / n : 0 }'
    done
    for server in nginx flexilib; do
      vals=(); for r in $(seq "$ROUNDS"); do vals+=("${RPS[$mode $server $r]}"); done
      printf '%s' "; $server req/s $(printf '%s\n' "${vals[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }')"
    done
    echo
  done
  for mode in keep-alive close; do
    for server in nginx flexilib; do
      for r in $(seq "$ROUNDS"); do
        label="$mode $server $r"
        [ "${ERRS[$label]}" -eq 0 ] || echo "- $mode, $server, round $r: ${ERR_DETAIL[$label]}"
      done
    done
  done
  echo
  echo "Resident memory (VmRSS) after the keep-alive runs: flexilib $RSS_FLEXILIB MB ($RSS_FLEXILIB_WHAT), nginx $RSS_NGINX MB (master + workers)."
}

sample_memory() {
  # flexilib: its java process(es) if any, else its whole process tree;
  # nginx: master + workers.
  local tree jpids
  # shellcheck disable=SC2046
  tree=$(process_tree "$flexilib_pid" "$flexilib_port")
  # shellcheck disable=SC2086
  jpids=$(java_pids_in $tree)
  if [ -n "$jpids" ]; then
    # shellcheck disable=SC2086
    RSS_FLEXILIB=$(rss_mb $jpids); RSS_FLEXILIB_WHAT="java pid $(echo "$jpids" | tr '\n' ' ' | sed 's/ $//')"
  else
    # shellcheck disable=SC2086
    RSS_FLEXILIB=$(rss_mb $tree); RSS_FLEXILIB_WHAT="no java process: sum of pids $(echo "$tree" | tr '\n' ' ' | sed 's/ $//')"
  fi
  # shellcheck disable=SC2046
  RSS_NGINX=$(rss_mb $(process_tree "$nginx_pid" "$nginx_port"))
}

# ---------------------------------------------------------------- main

main() {
  [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'."
  [[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, not '$CONNECTIONS'."
  [[ "$START_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "START_TIMEOUT must be a whole number of seconds, not '$START_TIMEOUT'."
  # wrk takes 10 or 10s; a bare number means seconds.
  if [[ "$DURATION" =~ ^[0-9]+$ ]]; then DURATION="${DURATION}s"; fi
  if [[ "$WARMUP" =~ ^[0-9]+$ ]]; then WARMUP="${WARMUP}s"; fi

  install_tools
  build_flexilib

  workdir=$(mktemp -d "${TMPDIR:-/tmp}/flexilib-bench.XXXXXX")
  read -r nginx_port flexilib_port < <(free_ports) || true
  [ -n "$flexilib_port" ] || die "could not find two free ports on 127.0.0.1."

  start_nginx
  start_flexilib

  # Warm-up: lets the JIT compile the hot paths and both servers spawn their
  # workers before anything is measured. Not recorded.
  log "bench: warming up (${WARMUP} each)"
  run_wrk "$workdir/warmup-nginx.txt" -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$nginx_port/"
  run_wrk "$workdir/warmup-flexilib.txt" -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$flexilib_port/"

  local mode r
  for mode in keep-alive close; do
    # Alternating the servers spreads any drift of the machine (other load,
    # thermal) over both instead of favouring one.
    for r in $(seq "$ROUNDS"); do
      measure "$mode" nginx "$nginx_port" "$r"
      check_alive nginx "$nginx_pid" "$nginx_port" "$workdir/nginx/stderr.log" "$workdir/nginx/error.log"
      measure "$mode" flexilib "$flexilib_port" "$r"
      check_alive flexilib "$flexilib_pid" "$flexilib_port" "$workdir/flexilib.stderr.log"
    done
    if [ "$mode" = keep-alive ]; then sample_memory; fi
  done

  print_report
}

main "$@"
