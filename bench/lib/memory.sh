# Resident memory (VmRSS) of both servers, sampled while the benchmark runs.
# Sourced by bench/run.sh; uses its globals (workdir, *_pid, *_port).
# shellcheck shell=bash

# $workdir/phase holds what is running now ("SCENARIO<TAB>detail"); every
# sample is one line of $workdir/memory.tsv:
#   phase  detail  serving-kB  supervisor-kB  nginx-kB  serving-pids  supervisor-pids

set_phase() { printf '%s\t%s\n' "$1" "$2" >"$workdir/phase"; }

# The pids sampled, found once (finding them runs ss and pgrep, which on 2
# cores cost flexilib ~10% of its req/s when done every second) and again
# only when one of them is gone (a restarted child).
sampled_serving="" sampled_supervisor="" sampled_nginx=""

find_sampled_pids() {
  local roles
  roles=$(flexilib_roles "$flexilib_pid" "$flexilib_port")
  sampled_serving=$(sed -n 1p <<<"$roles")
  sampled_supervisor=$(sed -n 2p <<<"$roles")
  sampled_nginx=$(process_tree "$nginx_pid" "$nginx_port" | tr '\n' ' ')
}

vmrss_sum() {
  # vmrss_sum PIDS...: sets VMRSS_KB to their summed VmRSS; fails if one of
  # them is gone. Reads /proc with bash alone: no process started.
  local pid key value
  VMRSS_KB=0
  for pid in "$@"; do
    [ -r "/proc/$pid/status" ] || return 1
    while read -r key value _; do
      if [ "$key" = VmRSS: ]; then VMRSS_KB=$((VMRSS_KB + value)); break; fi
    done <"/proc/$pid/status" || return 1
  done
}

sample_memory() {
  # Appends one sample for the phase now in $workdir/phase.
  local phase serving supervisor nginx attempt
  read -r phase <"$workdir/phase" || phase=$'unknown\t-'
  for attempt in 1 2; do
    if [ -z "$sampled_serving$sampled_nginx" ] || [ "$attempt" = 2 ]; then find_sampled_pids; fi
    # shellcheck disable=SC2086
    vmrss_sum $sampled_serving && serving=$VMRSS_KB &&
      vmrss_sum $sampled_supervisor && supervisor=$VMRSS_KB &&
      vmrss_sum $sampled_nginx && nginx=$VMRSS_KB && break
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "${serving:-0}" "${supervisor:-0}" "${nginx:-0}" \
    "${sampled_serving:--}" "${sampled_supervisor:--}" >>"$workdir/memory.tsv"
}

start_memory_sampler() {
  # Samples every SAMPLE_INTERVAL seconds in the background until stopped.
  (
    trap - EXIT INT TERM HUP
    set +e
    while :; do
      sample_memory
      sleep "$SAMPLE_INTERVAL"
    done
  ) </dev/null &
  sampler_pid=$!
}

stop_memory_sampler() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
  fi
  return 0
}

memory_max_mb() {
  # memory_max_mb PHASE COLUMN: the largest sample, in MB, of COLUMN (3:
  # flexilib serving, 4: supervisor, 5: nginx) among the samples whose phase
  # is PHASE ("*" for all); "-" when there is none or it is 0.
  awk -F'\t' -v p="$1" -v c="$2" '($1 == p || p == "*") && $c > m { m = $c }
    END { if (m > 0) printf "%.1f", m / 1024; else printf "-" }' "$workdir/memory.tsv" 2>/dev/null || echo -
}
