# How much of the machine's CPU went to processes other than the benchmark's
# own (servers, wrk, curl, this script) while it measured: on a shared
# machine, the first thing to check when numbers look off. Sourced by
# bench/run.sh.
# shellcheck shell=bash

declare -A CPU_MARK

clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

machine_ticks() {
  # "busy steal" ticks of all CPUs since boot; busy = user nice system irq softirq.
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat
}

own_ticks() {
  # own_ticks PIDS...: CPU ticks of this script and its reaped children (wrk,
  # curl, stopped servers) plus those of the live PIDS (running servers).
  # /proc/$$, not `times`: this runs in subshells, and $$ is still the script.
  local pid total=0
  for pid in "$$" "$@"; do
    # After the ")" closing the name, fields 14-17 of stat (utime, stime,
    # cutime, cstime) are $12-$15; cutime and cstime count reaped children.
    total=$((total + $(awk -v all="$([ "$pid" = "$$" ] && echo 1)" '{ sub(/.*\) /, "")
      print $12 + $13 + (all ? $14 + $15 : 0) }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

server_pids() {
  # Every live process of the benchmark's servers.
  process_tree "$flexilib_pid" "$flexilib_port"
  process_tree "$nginx_pid" "$nginx_port"
}

cpu_mark() {
  # cpu_mark NAME: remembers the counters now, for cpu_others NAME later.
  # shellcheck disable=SC2046
  CPU_MARK[$1]="$(date +%s.%N) $(machine_ticks) $(own_ticks $(server_pids))"
}

cpu_others() {
  # cpu_others NAME: "O% S%": the share of the machine's CPU capacity (all
  # cores) that other processes used, and that the hypervisor stole, since
  # cpu_mark NAME. Servers that have stopped in between must have been
  # reaped (kill_tree waits for them) so that `times` counts them.
  local t0 busy0 steal0 own0 t1 busy1 steal1 own1
  read -r t0 busy0 steal0 own0 <<<"${CPU_MARK[$1]}"
  # shellcheck disable=SC2046
  read -r t1 busy1 steal1 own1 <<<"$(date +%s.%N) $(machine_ticks) $(own_ticks $(server_pids))"
  awk -v dt="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v hz="$clk_tck" -v n="$(nproc)" \
    -v busy=$((busy1 - busy0)) -v steal=$((steal1 - steal0)) -v own=$((own1 - own0)) 'BEGIN {
      cap = dt * hz * n; o = (busy - own) / cap * 100; if (o < 0) o = 0
      printf "%.0f%% %.0f%%", o, steal / cap * 100 }'
}
