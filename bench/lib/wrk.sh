# Running wrk and reading its numbers. Sourced by bench/run.sh.
# shellcheck shell=bash

# Results of each measured run, keyed "SCENARIO|MODE|CONNECTIONS|SERVER|ROUND".
declare -A RPS P50 P99 ERRS ERR_DETAIL

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

wrk_scenario() {
  # wrk_scenario OUTFILE SCENARIO MODE CONNECTIONS DURATION PORT: runs wrk as
  # SCENARIO asks (a POST body through bench/post.lua for the echo ones).
  local out=$1 s=$2 mode=$3 conns=$4 duration=$5 port=$6
  local args=(-t1 -c"$conns" -d"$duration" --latency)
  scenario "$s"
  if [ "$mode" = close ]; then args+=(-H 'Connection: close'); fi
  if [ "$S_POST" -gt 0 ]; then args+=(-s "$repo/bench/post.lua"); fi
  WRK_BODY_BYTES=$S_POST run_wrk "$out" "${args[@]}" "http://127.0.0.1:$port$S_PATH"
}

measure() {
  # measure SCENARIO MODE CONNECTIONS SERVER PORT ROUND: one recorded run.
  local s=$1 mode=$2 conns=$3 server=$4 port=$5 round=$6 out rps p50 p99 non2xx sock
  local key="$s|$mode|$conns|$server|$round"
  out=$workdir/wrk-$s-$mode-c$conns-$server-round$round.txt
  set_phase "$s" "$mode c$conns $server"
  wrk_scenario "$out" "$s" "$mode" "$conns" "$DURATION" "$port"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  if [ -z "$rps" ] || [ -z "$p50" ] || [ -z "$p99" ]; then
    die "could not read Requests/sec and the 50%/99% latencies from $out"
  fi
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  # "Socket errors: connect 0, read 0, write 0, timeout 0"
  sock=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$out")
  RPS[$key]=$rps
  P50[$key]=$(to_ms "$p50")
  P99[$key]=$(to_ms "$p99")
  ERRS[$key]=$(( ${non2xx:-0} + ${sock:-0} ))
  ERR_DETAIL[$key]="non-2xx ${non2xx:-0}; $(grep 'Socket errors:' "$out" | sed 's/^ *//' || echo 'Socket errors: none')"
  # Every run's numbers, also kept as they come in.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$mode" "$conns" "$server" "$round" "$rps" "${P50[$key]}" \
    "${P99[$key]}" "${ERRS[$key]}" >>"$workdir/runs.tsv"
  log "bench: $s $mode c$conns round $round/$ROUNDS $server: $rps req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, errors ${ERRS[$key]}"
}

# Summaries over the rounds of one configuration ("SCENARIO|MODE|CONNECTIONS").

rounds_of() {
  # rounds_of ARRAY CONFIG SERVER: the values of ARRAY for every round.
  local -n arr=$1
  local r
  for r in $(seq "$ROUNDS"); do echo "${arr[$2|$3|$r]}"; done
}

median_of() {
  # median_of ARRAY CONFIG SERVER
  # shellcheck disable=SC2046
  median $(rounds_of "$1" "$2" "$3")
}

errors_of() {
  # errors_of CONFIG SERVER: errors summed over the rounds.
  local r n=0
  for r in $(seq "$ROUNDS"); do n=$((n + ${ERRS[$1|$2|$r]})); done
  echo "$n"
}

round_ratios() {
  # round_ratios CONFIG: flexilib req/s / nginx req/s of each round.
  local r
  for r in $(seq "$ROUNDS"); do
    awk -v f="${RPS[$1|flexilib|$r]}" -v n="${RPS[$1|nginx|$r]}" 'BEGIN { printf "%.3f\n", (n > 0) ? f / n : 0 }'
  done
}
