# Start-up time: from launching the server to its first 200 on /hello (the
# native hello plugin, loaded on that first request). Sourced by bench/run.sh.
# shellcheck shell=bash

# Results: STARTUP_MS[flexilib] and STARTUP_MS[nginx], space-separated ms.
declare -A STARTUP_MS=([flexilib]="" [nginx]="")

time_to_first_200() {
  # time_to_first_200 NAME PORT LOGS...: launches NAME on PORT and sets
  # STARTUP_RESULT to the milliseconds until GET /hello answers 200. The
  # server keeps running, as startup_pid on startup_port.
  #
  # Polling: until the port accepts a connection, bash itself tries to
  # connect every 10 ms (no process started); then curl asks and waits for the
  # answer (flexilib's supervisor listens early and its child answers what
  # queued). A tight loop of curl processes instead would take CPU from the
  # start it measures: on 2 cores it made flexilib's start ~15% slower.
  local name=$1 port=$2 t0 t1 code=""
  shift 2
  if [ "$name" = nginx ]; then
    launch_nginx "$workdir/startup-nginx" "$port"
  else
    launch_flexilib "$port" "$workdir/startup-flexilib.stderr.log"
  fi
  startup_pid=$LAUNCHED_PID startup_port=$port t0=$LAUNCHED_AT
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if { : <>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$START_TIMEOUT" "http://127.0.0.1:$port/hello" || true)
      [ "$code" = 200 ] && break
    fi
    if [ "$SECONDS" -ge "$deadline" ] || { ! kill -0 "$startup_pid" 2>/dev/null && [ -z "$(listener_pids "$port")" ]; }; then
      show_logs "$@"
      die "$name did not answer 200 on /hello within ${START_TIMEOUT}s of its launch (last status: ${code:-none})."
    fi
    sleep 0.01
  done
  t1=$EPOCHREALTIME
  # EPOCHREALTIME is seconds.microseconds.
  STARTUP_RESULT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
}

measure_startups() {
  # STARTS launches of each server, alternating, one at a time, before the
  # throughput runs (so nothing else of the benchmark is running).
  local i name port
  [ "$STARTS" -gt 0 ] || return 0
  mkdir -p "$workdir/startup-nginx"
  for i in $(seq "$STARTS"); do
    for name in flexilib nginx; do
      port=$(free_ports 1)
      time_to_first_200 "$name" "$port" "$workdir/startup-flexilib.stderr.log" "$workdir/startup-nginx/error.log"
      kill_tree "$startup_pid" "$startup_port"
      startup_pid="" startup_port=""
      STARTUP_MS[$name]+=" $STARTUP_RESULT"
      log "bench: start-up $i/$STARTS $name: $STARTUP_RESULT ms to the first 200"
    done
  done
}
