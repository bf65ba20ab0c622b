# The markdown report on stdout, and the same numbers as tab-separated lines
# in $workdir/summary.tsv (and SUMMARY_TSV if set). Sourced by bench/run.sh.
# shellcheck shell=bash

machine_line() {
  local cpu java nginx_v roles jpid exe
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  # The java the running flexilib uses; else the one bin/flexilib would pick.
  roles=$(flexilib_roles "$flexilib_pid" "$flexilib_port")
  jpid=${roles%%[ $'\n']*}
  exe=""
  if [ -n "$jpid" ] && [ "$(cat "/proc/$jpid/comm" 2>/dev/null)" = java ]; then
    exe=$(readlink "/proc/$jpid/exe" 2>/dev/null || true)
  fi
  # sed, not head: head would stop reading and java could die of SIGPIPE.
  if [ -n "$exe" ]; then
    java=$("$exe" -version 2>&1 | sed -n 1p)
  else
    # shellcheck source=../../bin/lib/jdk.sh
    java=$( (. "$repo/bin/lib/jdk.sh" && "$JAVA_HOME/bin/java" -version 2>&1 | sed -n 1p) 2>/dev/null || echo "no JDK 25 found")
    if [ -n "$FLEXILIB_CMD" ]; then java="$java (not used: FLEXILIB_CMD runs no java)"; fi
  fi
  nginx_v=$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')
  printf '%s · %s cores, %s · java: %s · nginx: %s\n' \
    "$(date -u '+%F %H:%M UTC')" "$(nproc)" "${cpu:-unknown cpu}" "$java" "$nginx_v"
}

fmt() { awk -v x="$2" -v f="$1" 'BEGIN { if (x == "nan" || x == "") print "-"; else printf f, x }'; }

print_throughput() {
  local s mode c cfg f_rps n_rps ratio
  echo '| scenario | connection | conns | flexilib req/s | nginx req/s | **ratio** | flexilib p50 / p99 ms | nginx p50 / p99 ms | errors flexilib / nginx |'
  echo '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  for s in $SCENARIOS; do
    for mode in $MODES; do
      for c in $CONNECTIONS; do
        cfg="$s|$mode|$c"
        f_rps=$(median_of RPS "$cfg" flexilib)
        n_rps=$(median_of RPS "$cfg" nginx)
        # shellcheck disable=SC2046
        ratio=$(median $(round_ratios "$cfg"))
        printf '| %s | %s | %s | %s | %s | **%s** | %s / %s | %s / %s | %s / %s |\n' "$s" "$mode" "$c" \
          "$(fmt %.0f "$f_rps")" "$(fmt %.0f "$n_rps")" "$(fmt %.2f "$ratio")" \
          "$(fmt %.2f "$(median_of P50 "$cfg" flexilib)")" "$(fmt %.2f "$(median_of P99 "$cfg" flexilib)")" \
          "$(fmt %.2f "$(median_of P50 "$cfg" nginx)")" "$(fmt %.2f "$(median_of P99 "$cfg" nginx)")" \
          "$(errors_of "$cfg" flexilib)" "$(errors_of "$cfg" nginx)"
        printf 'bench\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$mode" "$c" "$f_rps" "$n_rps" "$ratio" \
          "$(median_of P50 "$cfg" flexilib)" "$(median_of P99 "$cfg" flexilib)" \
          "$(median_of P50 "$cfg" nginx)" "$(median_of P99 "$cfg" nginx)" \
          "$(errors_of "$cfg" flexilib)" "$(errors_of "$cfg" nginx)" >>"$workdir/summary.tsv"
      done
    done
  done
}

print_spread() {
  # Per-round ratios and the min-max req/s of each server: how far to trust a
  # difference on this machine.
  local s mode c cfg server
  echo '<details><summary>Per-round ratios, req/s ranges, errors</summary>'
  echo
  for s in $SCENARIOS; do
    for mode in $MODES; do
      for c in $CONNECTIONS; do
        cfg="$s|$mode|$c"
        # shellcheck disable=SC2046
        printf -- '- %s %s c%s: ratio per round %s; req/s flexilib %s, nginx %s\n' "$s" "$mode" "$c" \
          "$(round_ratios "$cfg" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')" \
          "$(min_max %.0f $(rounds_of RPS "$cfg" flexilib))" "$(min_max %.0f $(rounds_of RPS "$cfg" nginx))"
        for server in flexilib nginx; do
          for r in $(seq "$ROUNDS"); do
            [ "${ERRS[$cfg|$server|$r]}" -eq 0 ] || echo "  - errors, $server round $r: ${ERR_DETAIL[$cfg|$server|$r]}"
          done
        done
      done
    done
  done
  echo
  echo '</details>'
}

print_memory() {
  local s
  echo "Resident memory (VmRSS, MB), largest of the samples taken every ${SAMPLE_INTERVAL}s while the benchmark ran (one flexilib and one nginx serve every scenario, in this order):"
  echo
  echo '| while | flexilib serving JVM (child) | flexilib supervisor | nginx master + workers |'
  echo '| --- | ---: | ---: | ---: |'
  for s in idle $SCENARIOS all; do
    local p=$s label=$s
    [ "$s" = all ] && { p='*'; label='**whole run (max)**'; }
    [ "$s" = idle ] && label='idle, after start-up'
    printf '| %s | %s | %s | %s |\n' "$label" "$(memory_max_mb "$p" 3)" "$(memory_max_mb "$p" 4)" "$(memory_max_mb "$p" 5)"
    printf 'memory\t%s\t%s\t%s\t%s\n' "$s" "$(memory_max_mb "$p" 3)" "$(memory_max_mb "$p" 4)" "$(memory_max_mb "$p" 5)" >>"$workdir/summary.tsv"
  done
}

print_startup() {
  local name
  # shellcheck disable=SC2086
  [ "$STARTS" -gt 0 ] || { echo "Start-up time: not measured (STARTS=0)."; return 0; }
  echo "Start-up time, from launching the server (\`bin/flexilib serve\`: supervisor, then the serving child) to the first 200 on \`/hello\` (the native hello plugin, loaded on that request), $STARTS starts each:"
  echo
  echo '| server | median ms | min-max ms |'
  echo '| --- | ---: | ---: |'
  for name in flexilib nginx; do
    # shellcheck disable=SC2086
    printf '| %s | %s | %s |\n' "$name" "$(fmt %.0f "$(median ${STARTUP_MS[$name]})")" "$(min_max %.0f ${STARTUP_MS[$name]})"
    # shellcheck disable=SC2086
    printf 'startup\t%s\t%s\t%s\n' "$name" "$(median ${STARTUP_MS[$name]})" "${STARTUP_MS[$name]# }" >>"$workdir/summary.tsv"
  done
}

print_report() {
  local s
  : >"$workdir/summary.tsv"
  echo "### flexilib vs nginx, $(date -u +%F)"
  echo
  machine_line
  echo
  printf 'wrk -t1 -d%s --latency; %s round(s) per row, alternating nginx and flexilib; before each scenario and mode a warm-up, not recorded, of %s for flexilib (its JIT) and 1s for nginx. Scenarios:\n' \
    "$DURATION" "$ROUNDS" "$WARMUP"
  echo
  for s in $SCENARIOS; do scenario "$s"; echo "- **$s**: \`$([ "$S_POST" -gt 0 ] && echo POST || echo GET) $S_PATH\`; $S_WHAT."; done
  echo
  # shellcheck disable=SC2086
  printf 'While measuring, other processes used %s of the CPU (all cores; hypervisor steal %s); during the start-ups %s (steal %s). Near 0%% is a quiet machine; more makes every number below less trustworthy.\n\n' $RUN_OTHERS $STARTUP_OTHERS
  printf 'cpu-others\t%s\t%s\n' "${RUN_OTHERS%%\%*}" "${STARTUP_OTHERS%%\%*}" >>"$workdir/summary.tsv"
  if [ -n "$FLEXILIB_CMD" ]; then printf 'The flexilib rows ran FLEXILIB_CMD: `%s`\n\n' "$FLEXILIB_CMD"; fi
  if [ -n "${FLEXILIB_JAVA_OPTS:-}" ]; then printf 'FLEXILIB_JAVA_OPTS (serving JVM): `%s`\n\n' "$FLEXILIB_JAVA_OPTS"; fi
  print_throughput
  echo
  echo 'ratio = flexilib req/s ÷ nginx req/s within each round, median over the rounds (so not always the ratio of the two medians). p50/p99: medians over the rounds. errors: non-2xx responses + socket errors, summed over the rounds. "close" sends `Connection: close` (a new TCP connection per request).'
  echo
  print_spread
  echo
  print_reload
  echo
  print_memory
  echo
  print_startup
  echo
  printf 'Suite duration: %dm%02ds (after tool installation and build).\n' $((SECONDS / 60)) $((SECONDS % 60))
  if [ -n "${SUMMARY_TSV:-}" ]; then cp "$workdir/summary.tsv" "$SUMMARY_TSV"; fi
}
