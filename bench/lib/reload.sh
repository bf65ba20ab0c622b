# Hot reload under load: flexilib's req/s while its plugin file is replaced
# again and again, against its own req/s while the same copies go to a file no
# route uses, and the errors either way. Sourced by bench/run.sh. nginx has no counterpart: the ratio is
# flexilib against itself.
# shellcheck shell=bash

# Results, per round: RELOAD_STEADY[r], RELOAD_DURING[r] (req/s),
# RELOAD_ERRS_STEADY[r], RELOAD_ERRS_DURING[r], RELOAD_SWAPS[r] (generations
# the server swapped in while wrk ran), RELOAD_COPIES[r] (file replacements).
declare -A RELOAD_STEADY RELOAD_DURING RELOAD_ERRS_STEADY RELOAD_ERRS_DURING RELOAD_SWAPS RELOAD_COPIES

prepare_reload() {
  # prepare_reload PROXY_INI: a private copy of the hello plugin, routed at
  # /reload, which the reload rounds replace (the repository's file is not touched).
  [ "$RELOAD_ROUNDS" -gt 0 ] || return 0
  mkdir -p "$workdir/reload" "$workdir/reload-control"
  cp "$repo/examples/native/build/libhello.so" "$workdir/reload/libhello.so"
  printf '/reload = %s\n' "$workdir/reload/libhello.so" >>"$1"
}

replace_plugin() {
  # replace_plugin DIR: a new version arrives in DIR the way deployments usually
  # write one: a complete copy beside the old file, renamed over it.
  cp "$repo/examples/native/build/libhello.so" "$1/libhello.so.new"
  mv -f "$1/libhello.so.new" "$1/libhello.so"
}

reload_wrk() {
  # reload_wrk OUTFILE: one run against /reload; prints "REQ/S ERRORS".
  local out=$1 rps non2xx sock
  run_wrk "$out" -t1 -c"${CONNECTIONS%% *}" -d"$RELOAD_DURATION" --latency "http://127.0.0.1:$flexilib_port/reload"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  [ -n "$rps" ] || die "could not read Requests/sec from $out"
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sock=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$out")
  echo "$rps $(( ${non2xx:-0} + ${sock:-0} ))"
}

swaps_so_far() {
  grep -c "reload/libhello.so: generation .* serves new requests" "$workdir/flexilib.stderr.log" || true
}

copying_run() {
  # copying_run ROUND DIR: a wrk run during which the plugin file in DIR is replaced
  # every RELOAD_EVERY seconds; prints "REQ/S ERRORS COPIES". DIR is the routed copy
  # (reloads) or a directory no route uses (the control: the same cp and mv processes,
  # which on 2 busy cores cost wrk and the server a few per cent, and no reload).
  local r=$1 dir=$2 load copies=0 result
  result=$workdir/reload-$(basename "$dir")-round$r.result
  reload_wrk "$workdir/reload-$(basename "$dir")-round$r.txt" >"$result" &
  load=$!
  # pacing, not synchronisation: a new file every RELOAD_EVERY seconds while wrk runs (the
  # count is worked out beforehand: no process is started in the loop but sleep, cp and mv)
  for _ in $(seq "$replacements"); do
    sleep "$RELOAD_EVERY"
    replace_plugin "$dir"
    copies=$((copies + 1))
  done
  wait "$load" || die "wrk failed during the hot-reload round $r"
  echo "$(cat "$result") $copies"
}

control_run() {
  local r=$1 rps errs copies
  set_phase reload "control $r"
  read -r rps errs copies < <(copying_run "$r" "$workdir/reload-control")
  RELOAD_STEADY[$r]=$rps RELOAD_ERRS_STEADY[$r]=$errs
}

reloading_run() {
  local r=$1 rps errs copies before
  set_phase reload "reloading $r"
  before=$(swaps_so_far)
  read -r rps errs copies < <(copying_run "$r" "$workdir/reload")
  RELOAD_DURING[$r]=$rps RELOAD_ERRS_DURING[$r]=$errs RELOAD_COPIES[$r]=$copies
  # the last replacement may still be within the quiet period: give it the time to land
  sleep 1
  RELOAD_SWAPS[$r]=$(( $(swaps_so_far) - before ))
}

measure_reload() {
  # RELOAD_ROUNDS rounds of a control run and a run during which the plugin file
  # is replaced every RELOAD_EVERY seconds.
  local r seconds replacements
  [ "$RELOAD_ROUNDS" -gt 0 ] || return 0
  set_phase reload "warm-up"
  log "bench: hot reload: warming up /reload"
  run_wrk "$workdir/reload-warmup.txt" -t1 -c"${CONNECTIONS%% *}" -d"$WARMUP" "http://127.0.0.1:$flexilib_port/reload"
  seconds=${RELOAD_DURATION%s}
  # the replacements that fit strictly inside the run (read by reloading_run)
  replacements=$(awk -v d="$seconds" -v e="$RELOAD_EVERY" 'BEGIN { n = int(d / e); if (n * e >= d) n--; print n }')
  for r in $(seq "$RELOAD_ROUNDS"); do
    # odd rounds measure the control first, even rounds the reloads first, so that a drift
    # of the machine or of the server over time does not land on one side only
    if [ $((r % 2)) -eq 1 ]; then
      control_run "$r"
      reloading_run "$r"
    else
      reloading_run "$r"
      control_run "$r"
    fi
    log "bench: hot reload round $r/$RELOAD_ROUNDS: control ${RELOAD_STEADY[$r]} req/s (${RELOAD_ERRS_STEADY[$r]} errors), during ${RELOAD_COPIES[$r]} replacements ${RELOAD_DURING[$r]} req/s (${RELOAD_ERRS_DURING[$r]} errors), ${RELOAD_SWAPS[$r]} generations swapped in"
  done
}

print_reload() {
  local r ratios="" steady="" during="" errs=0 swaps=0 copies=0
  [ "$RELOAD_ROUNDS" -gt 0 ] || { echo "Hot reload under load: not measured (RELOAD_ROUNDS=0)."; return 0; }
  for r in $(seq "$RELOAD_ROUNDS"); do
    ratios+=" $(awk -v a="${RELOAD_DURING[$r]}" -v b="${RELOAD_STEADY[$r]}" 'BEGIN { printf "%.4f", a / b }')"
    steady+=" ${RELOAD_STEADY[$r]}" during+=" ${RELOAD_DURING[$r]}"
    errs=$((errs + RELOAD_ERRS_DURING[$r] + RELOAD_ERRS_STEADY[$r]))
    swaps=$((swaps + RELOAD_SWAPS[$r])) copies=$((copies + RELOAD_COPIES[$r]))
  done
  echo "Hot reload under load: \`GET /reload\` (a private copy of the native hello plugin), wrk -t1 -c${CONNECTIONS%% *} -d$RELOAD_DURATION, $RELOAD_ROUNDS round(s) of a run during which the file is replaced (copied beside it, renamed over it) every ${RELOAD_EVERY}s, and a control run with the same copies made into a directory no route uses (so the same cp and mv processes, no reload); the control first in odd rounds, second in even ones:"
  echo
  echo '| control req/s | req/s while reloading | **ratio** | errors (control + reloading) | files replaced | generations swapped in |'
  echo '| ---: | ---: | ---: | ---: | ---: | ---: |'
  # shellcheck disable=SC2086
  printf '| %s | %s | **%s** | %s | %s | %s |\n' "$(fmt %.0f "$(median $steady)")" "$(fmt %.0f "$(median $during)")" \
    "$(fmt %.2f "$(median $ratios)")" "$errs" "$copies" "$swaps"
  # shellcheck disable=SC2086
  printf 'reload\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(median $steady)" "$(median $during)" "$(median $ratios)" "$errs" "$copies" "$swaps" \
    >>"$workdir/summary.tsv"
  echo
  echo "ratio = req/s while reloading ÷ control req/s within each round, median over the rounds. A replacement is loaded after ${FLEXILIB_RELOAD_QUIET_MS:-200} ms without further change (FLEXILIB_RELOAD_QUIET_MS), so replacements closer together than that make fewer generations."
}
