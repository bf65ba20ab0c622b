# Hot reload under load: flexilib's req/s while its plugin file is replaced
# again and again, against its own req/s without replacements, and the errors
# either way. Sourced by bench/run.sh. nginx has no counterpart: the ratio is
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
  mkdir -p "$workdir/reload"
  cp "$repo/examples/native/build/libhello.so" "$workdir/reload/libhello.so"
  printf '/reload = %s\n' "$workdir/reload/libhello.so" >>"$1"
}

replace_plugin() {
  # A new version arrives the way deployments usually write one: a complete
  # copy beside the old file, renamed over it.
  cp "$repo/examples/native/build/libhello.so" "$workdir/reload/libhello.so.new"
  mv -f "$workdir/reload/libhello.so.new" "$workdir/reload/libhello.so"
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

measure_reload() {
  # RELOAD_ROUNDS rounds of: a steady run, then a run during which the plugin
  # file is replaced every RELOAD_EVERY seconds.
  local r out rps errs before copies seconds replacements
  [ "$RELOAD_ROUNDS" -gt 0 ] || return 0
  set_phase reload "warm-up"
  log "bench: hot reload: warming up /reload"
  run_wrk "$workdir/reload-warmup.txt" -t1 -c"${CONNECTIONS%% *}" -d"$WARMUP" "http://127.0.0.1:$flexilib_port/reload"
  seconds=${RELOAD_DURATION%s}
  # the replacements that fit strictly inside the run
  replacements=$(awk -v d="$seconds" -v e="$RELOAD_EVERY" 'BEGIN { n = int(d / e); if (n * e >= d) n--; print n }')
  for r in $(seq "$RELOAD_ROUNDS"); do
    set_phase reload "steady $r"
    read -r rps errs < <(reload_wrk "$workdir/reload-steady-round$r.txt")
    RELOAD_STEADY[$r]=$rps RELOAD_ERRS_STEADY[$r]=$errs

    set_phase reload "reloading $r"
    before=$(swaps_so_far)
    reload_wrk "$workdir/reload-during-round$r.txt" >"$workdir/reload-during-round$r.result" &
    local load=$!
    copies=0
    # pacing, not synchronisation: a new file every RELOAD_EVERY seconds while wrk runs (the
    # count is worked out beforehand: no process is started in the loop but sleep, cp and mv)
    for _ in $(seq "$replacements"); do
      sleep "$RELOAD_EVERY"
      replace_plugin
      copies=$((copies + 1))
    done
    wait "$load" || die "wrk failed during the reload round $r"
    read -r rps errs <"$workdir/reload-during-round$r.result"
    RELOAD_DURING[$r]=$rps RELOAD_ERRS_DURING[$r]=$errs RELOAD_COPIES[$r]=$copies
    # the last replacement may still be within the quiet period: give it the time to land
    sleep 1
    RELOAD_SWAPS[$r]=$(( $(swaps_so_far) - before ))
    log "bench: hot reload round $r/$RELOAD_ROUNDS: steady ${RELOAD_STEADY[$r]} req/s (${RELOAD_ERRS_STEADY[$r]} errors), during $copies replacements ${RELOAD_DURING[$r]} req/s (${RELOAD_ERRS_DURING[$r]} errors), ${RELOAD_SWAPS[$r]} generations swapped in"
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
  echo "Hot reload under load: \`GET /reload\` (a private copy of the native hello plugin), wrk -t1 -c${CONNECTIONS%% *} -d$RELOAD_DURATION, $RELOAD_ROUNDS round(s) of a steady run then a run during which the file is replaced (copied beside it, renamed over it) every ${RELOAD_EVERY}s:"
  echo
  echo '| steady req/s | req/s while reloading | **ratio** | errors (steady + reloading) | files replaced | generations swapped in |'
  echo '| ---: | ---: | ---: | ---: | ---: | ---: |'
  # shellcheck disable=SC2086
  printf '| %s | %s | **%s** | %s | %s | %s |\n' "$(fmt %.0f "$(median $steady)")" "$(fmt %.0f "$(median $during)")" \
    "$(fmt %.2f "$(median $ratios)")" "$errs" "$copies" "$swaps"
  # shellcheck disable=SC2086
  printf 'reload\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(median $steady)" "$(median $during)" "$(median $ratios)" "$errs" "$copies" "$swaps" \
    >>"$workdir/summary.tsv"
  echo
  echo "ratio = req/s while reloading ÷ steady req/s within each round, median over the rounds. A replacement is loaded after ${FLEXILIB_RELOAD_QUIET_MS:-200} ms without further change (FLEXILIB_RELOAD_QUIET_MS), so replacements closer together than that make fewer generations."
}
