#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# flexilib vs nginx, side by side in one run: for each scenario (native and
# Java hello plugins, echo of 1 kB and 64 kB POSTs), keep-alive and
# Connection: close, at each number of connections, wrk against nginx and
# flexilib alternately; plus both servers' resident memory under load and
# their start-up time. Prints a markdown report on stdout; progress and the
# path of the raw outputs go to stderr. See bench/README.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lib=$repo/bench/lib
# shellcheck source=lib/common.sh
. "$lib/common.sh"
# shellcheck source=lib/scenarios.sh
. "$lib/scenarios.sh"
# shellcheck source=lib/servers.sh
. "$lib/servers.sh"
# shellcheck source=lib/wrk.sh
. "$lib/wrk.sh"
# shellcheck source=lib/memory.sh
. "$lib/memory.sh"
# shellcheck source=lib/startup.sh
. "$lib/startup.sh"
# shellcheck source=lib/cpu.sh
. "$lib/cpu.sh"
# shellcheck source=lib/report.sh
. "$lib/report.sh"
# shellcheck source=lib/reload.sh
. "$lib/reload.sh"

# QUICK=1: every scenario and mode once, briefly (about a minute); anything
# set explicitly still wins.
if [ -n "${QUICK:-}" ] && [ "${QUICK:-}" != 0 ]; then
  : "${ROUNDS:=1}" "${DURATION:=2s}" "${WARMUP:=1s}" "${CONNECTIONS:=32}" "${STARTS:=2}"
  : "${RELOAD_ROUNDS:=1}" "${RELOAD_DURATION:=3s}"
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-4s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-32 256}
MODES=${MODES:-keep-alive close}
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}
STARTS=${STARTS:-5}
RELOAD_ROUNDS=${RELOAD_ROUNDS:-4}
RELOAD_DURATION=${RELOAD_DURATION:-6s}
RELOAD_EVERY=${RELOAD_EVERY:-0.5}
SAMPLE_INTERVAL=${SAMPLE_INTERVAL:-1}
START_TIMEOUT=${START_TIMEOUT:-30}
FLEXILIB_CMD=${FLEXILIB_CMD:-}

JAR="$repo/flexilib-server/target/flexilib-server.jar"
PLUGINS=("$repo/examples/native/build/libhello.so" "$repo/examples/native/build/libhello-workers.so"
         "$repo/examples/native/build/libecho.so"
         "$repo/examples/java/hello/target/hello.jar")

# Filled in as the run goes; cleanup() reads them.
workdir=""
nginx_pid="" nginx_port=""
flexilib_pid="" flexilib_port=""
startup_pid="" startup_port=""
wrk_pid=""
sampler_pid=""
extra_pids=()          # listeners found by port, in case a command daemonized
policy_rc_created=""   # set while a temporary /usr/sbin/policy-rc.d exists

cleanup() {
  # Best effort from here on: one failed step must not leave servers running.
  set +e
  trap - EXIT INT TERM HUP
  if [ -n "$wrk_pid" ]; then kill -TERM "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null; fi
  stop_memory_sampler
  if [ -n "$startup_port" ]; then kill_tree "$startup_pid" "$startup_port"; fi
  if [ -n "$flexilib_pid" ]; then kill_tree "$flexilib_pid" "$flexilib_port"; fi
  if [ -n "$nginx_pid" ]; then kill_tree "$nginx_pid" "$nginx_port"; fi
  local pid
  for pid in "${extra_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ -n "$policy_rc_created" ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -n "$workdir" ]; then log "bench: raw wrk outputs, memory samples, configs and server logs are in $workdir"; fi
  return 0
}
trap cleanup EXIT
# On Ctrl-C or kill, exit: the EXIT trap then stops the servers. (Background
# jobs of a script ignore SIGINT, so they would otherwise outlive it.)
trap 'log "bench: interrupted"; exit 130' INT
trap 'log "bench: terminated"; exit 143' TERM HUP

words() {
  # The words of a list separated by spaces and/or commas, one space apart.
  # shellcheck disable=SC2086 # split on purpose
  set -- ${1//,/ }
  echo "$*"
}

check_settings() {
  local s
  [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'."
  [[ "$STARTS" =~ ^[0-9]+$ ]] || die "STARTS must be a whole number (0: no start-up measurement), not '$STARTS'."
  [[ "$START_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "START_TIMEOUT must be a whole number of seconds, not '$START_TIMEOUT'."
  [[ "$SAMPLE_INTERVAL" =~ ^[0-9]*\.?[0-9]+$ ]] || die "SAMPLE_INTERVAL must be a number of seconds, not '$SAMPLE_INTERVAL'."
  # Lists may be separated by spaces or commas.
  CONNECTIONS=$(words "$CONNECTIONS") MODES=$(words "$MODES") SCENARIOS=$(words "$SCENARIOS")
  for s in $CONNECTIONS; do [[ "$s" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must list positive integers, not '$s'."; done
  for s in $MODES; do [[ "$s" =~ ^(keep-alive|close)$ ]] || die "MODES lists keep-alive and/or close, not '$s'."; done
  for s in $SCENARIOS; do scenario "$s" || die "unknown scenario '$s' in SCENARIOS; there are: $ALL_SCENARIOS."; done
  if [ -z "$CONNECTIONS" ] || [ -z "$MODES" ] || [ -z "$SCENARIOS" ]; then
    die "CONNECTIONS, MODES and SCENARIOS must not be empty."
  fi
  # wrk takes 10 or 10s; a bare number means seconds.
  if [[ "$DURATION" =~ ^[0-9]+$ ]]; then DURATION="${DURATION}s"; fi
  if [[ "$RELOAD_DURATION" =~ ^[0-9]+$ ]]; then RELOAD_DURATION="${RELOAD_DURATION}s"; fi
  [[ "$RELOAD_DURATION" =~ ^[0-9]+s$ ]] || die "RELOAD_DURATION must be whole seconds, such as 6s."
  # FLEXILIB_CMD runs some other server, without the /reload route
  [ -z "$FLEXILIB_CMD" ] || RELOAD_ROUNDS=0
  if [[ "$WARMUP" =~ ^[0-9]+$ ]]; then WARMUP="${WARMUP}s"; fi
}

build_flexilib() {
  # Only the default command needs the jar and the plugins; FLEXILIB_CMD
  # stands on its own.
  local f absent=""
  [ -z "$FLEXILIB_CMD" ] || return 0
  for f in "$JAR" "${PLUGINS[@]}"; do [ -f "$f" ] || absent=$f; done
  if [ -n "$absent" ]; then
    [ -x "$repo/bin/build" ] || die "$absent is missing and there is no bin/build to make it."
    log "bench: building flexilib with bin/build ($absent is missing)"
    "$repo/bin/build" >&2 || die "bin/build failed."
    for f in "$JAR" "${PLUGINS[@]}"; do [ -f "$f" ] || die "bin/build ran but $f is still missing."; done
  fi
  # bin/build also trains the AOT caches bin/flexilib starts with; a jar built another way has none
  local aot="$repo/flexilib-server/target/aot"
  if [ -x "$repo/bin/lib/aot-train" ] && [ ! "$aot/server.aot" -nt "$JAR" ]; then
    log "bench: training flexilib's AOT caches (bin/lib/aot-train), as bin/build does"
    "$repo/bin/lib/aot-train" >&2 || die "bin/lib/aot-train failed."
  fi
}

run_scenario() {
  # Every mode and number of connections of one scenario, alternating the
  # servers within each round so any drift of the machine (other load,
  # thermal) is spread over both.
  local s=$1 mode c r
  check_scenario "$s" nginx "$nginx_port"
  check_scenario "$s" flexilib "$flexilib_port"
  for mode in $MODES; do
    warm_up "$s" "$mode"
    for c in $CONNECTIONS; do
      for r in $(seq "$ROUNDS"); do
        measure "$s" "$mode" "$c" nginx "$nginx_port" "$r"
        check_alive nginx "$nginx_pid" "$nginx_port" "$workdir/nginx/stderr.log" "$workdir/nginx/error.log"
        measure "$s" "$mode" "$c" flexilib "$flexilib_port" "$r"
        check_alive flexilib "$flexilib_pid" "$flexilib_port" "$workdir/flexilib.stderr.log"
      done
    done
  done
}

warm_up() {
  # warm_up SCENARIO MODE: load that is not recorded, so that the JIT has
  # compiled flexilib's paths for this scenario and mode (on 2 cores its
  # req/s still climbs for about 8 s of load after start-up); nginx, which
  # has no JIT, gets 1 s.
  local s=$1 mode=$2 c=${CONNECTIONS%% *}
  [ "$WARMUP" != 0s ] || return 0
  log "bench: $s $mode: warming up (nginx 1s, flexilib $WARMUP)"
  set_phase "$s" "warm-up $mode"
  wrk_scenario "$workdir/warmup-$s-$mode-nginx.txt" "$s" "$mode" "$c" 1s "$nginx_port"
  wrk_scenario "$workdir/warmup-$s-$mode-flexilib.txt" "$s" "$mode" "$c" "$WARMUP" "$flexilib_port"
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

main() {
  local s runs
  check_settings
  install_tools
  build_flexilib
  SECONDS=0

  runs=$(( $(wc -w <<<"$SCENARIOS") * $(wc -w <<<"$MODES") * $(wc -w <<<"$CONNECTIONS") * ROUNDS * 2 ))
  log "bench: $runs wrk runs of $DURATION, plus warm-ups and $STARTS start(s) of each server"
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/flexilib-bench.XXXXXX")
  write_proxy_ini "$workdir/proxy.ini" "$repo"
  prepare_reload "$workdir/proxy.ini"

  cpu_mark startups
  measure_startups
  STARTUP_OTHERS=$(cpu_others startups)

  read -r nginx_port flexilib_port < <(free_ports 2) || true
  [ -n "$flexilib_port" ] || die "could not find two free ports on 127.0.0.1."
  start_nginx
  start_flexilib
  set_phase idle -
  sample_memory
  start_memory_sampler
  cpu_mark runs

  for s in $SCENARIOS; do run_scenario "$s"; done
  measure_reload

  stop_memory_sampler
  RUN_OTHERS=$(cpu_others runs)
  # Best effort: a slip in formatting must not throw away the measurements
  # (they are also in $workdir/runs.tsv and memory.tsv).
  print_report || log "bench: warning: the report may be incomplete"
}

main "$@"
