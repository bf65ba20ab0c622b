#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs bench/run.sh once per set of JVM options for flexilib's serving child
# (FLEXILIB_JAVA_OPTS; the server itself is untouched) and prints one markdown
# table comparing the sets: req/s ratio to nginx, p99, the serving JVM's
# largest resident memory, and start-up time. See bench/README.md.
#
#   bench/jvm-flags.sh                          # the built-in candidate sets
#   bench/jvm-flags.sh 'small=-Xmx32m -XX:+UseSerialGC' 'no-aot=-XX:AOTMode=off'
#
# A set is NAME=OPTIONS; the default set (no options: bin/flexilib's own, with
# the AOT cache bin/build trains) is always measured too. A set's options come
# after bin/flexilib's and win; a collector named in them replaces the default
# one. Each set runs the scenarios below (any run.sh setting can be overridden);
# PASSES=N measures every set N times, interleaved, and reports medians.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
. "$here/lib/scenarios.sh"

export SCENARIOS=${SCENARIOS:-hello-native}
export MODES=${MODES:-keep-alive}
export CONNECTIONS=${CONNECTIONS:-32 256}
export ROUNDS=${ROUNDS:-3}
export DURATION=${DURATION:-5s}
export STARTS=${STARTS:-5}
export RELOAD_ROUNDS=${RELOAD_ROUNDS:-0}
PASSES=${PASSES:-1}
unset FLEXILIB_JAVA_OPTS FLEXILIB_CMD QUICK

DEFAULT_SETS=(
  "xmx128=-Xmx128m"
  "xmx32=-Xmx32m"
  "serial=-XX:+UseSerialGC"
  "g1=-XX:+UseG1GC"
  "c1-only=-XX:TieredStopAtLevel=1"
  "xss256k=-Xss256k"
  "codecache32=-XX:ReservedCodeCacheSize=32m"
  "direct32=-XX:MaxDirectMemorySize=32m"
  "netty-unpooled=-Dio.netty.allocator.type=unpooled"
  "netty-pooled-1arena=-Dio.netty.allocator.type=pooled -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1"
  "compact-headers=-XX:+UseCompactObjectHeaders"
  "no-aot=-XX:AOTMode=off"
)
if [ $# -gt 0 ]; then sets=("default=" "$@"); else sets=("default=" "${DEFAULT_SETS[@]}"); fi

out=$(mktemp -d "${TMPDIR:-/tmp}/flexilib-jvm-flags.XXXXXX")
log "bench: jvm-flags: ${#sets[@]} sets x $PASSES pass(es); reports and summaries in $out"

trap 'exit 130' INT
trap 'exit 143' TERM HUP

run_set() {
  # run_set NAME OPTIONS PASS
  local name=$1 opts=$2 pass=$3 dir=$out/$1
  mkdir -p "$dir"
  opts=$(echo "$opts" | xargs)
  echo "$opts" >"$dir/options"
  log "bench: jvm-flags: pass $pass, $name: FLEXILIB_JAVA_OPTS='$opts'"
  FLEXILIB_JAVA_OPTS=$opts SUMMARY_TSV=$dir/summary.$pass.tsv \
    "$here/run.sh" >"$dir/report.$pass.md" 2>"$dir/run.$pass.log" ||
    { tail -n 20 "$dir/run.$pass.log" >&2; die "run.sh failed for $name; see $dir"; }
}

value() {
  # value NAME KIND FIELD [CONNS]: median over the passes of FIELD of the
  # summary lines of KIND (for "bench", the line for CONNS connections).
  local name=$1 kind=$2 field=$3 conns=${4:-} f
  # shellcheck disable=SC2046
  median $(for f in "$out/$name"/summary.*.tsv; do
    awk -F'\t' -v k="$kind" -v f="$field" -v c="$conns" -v s="${SCENARIOS%% *}" -v m="${MODES%% *}" '
      $1 == k && (k != "bench" || ($2 == s && $3 == m && $4 == c)) && (k != "memory" || $2 == "all") && (k != "startup" || $2 == "flexilib") { print $f }' "$f"
  done)
}

# shellcheck disable=SC2016 # backquotes are markdown
print_table() {
  local entry name opts c rss rss0 conns
  conns=$CONNECTIONS
  printf '### JVM options for the serving child, %s\n\n' "$(date -u '+%F %H:%M UTC')"
  printf 'Each set: `bench/run.sh` with SCENARIOS=%s MODES=%s CONNECTIONS="%s" ROUNDS=%s DURATION=%s STARTS=%s; medians over %s pass(es). RSS: the serving JVM'"'"'s largest VmRSS sampled during the run; start-up: launch to first 200 on /hello.\n\n' \
    "$SCENARIOS" "$MODES" "$conns" "$ROUNDS" "$DURATION" "$STARTS" "$PASSES"
  printf '| set | FLEXILIB_JAVA_OPTS |'
  for c in $conns; do printf ' ratio c%s |' "$c"; done
  for c in $conns; do printf ' req/s c%s |' "$c"; done
  for c in $conns; do printf ' p99 ms c%s |' "$c"; done
  printf ' max RSS MB | Δ RSS vs default | start-up ms | other CPU |\n|---|---|'
  for c in $conns $conns $conns; do printf -- '---:|'; done
  printf -- '---:|---:|---:|---:|\n'
  rss0=$(value default memory 3)
  for entry in "${sets[@]}"; do
    name=${entry%%=*} opts=$(cat "$out/$name/options" 2>/dev/null || echo "${entry#*=}")
    printf '| %s | `%s` |' "$name" "${opts:-(none)}"
    for c in $conns; do printf ' %.2f |' "$(value "$name" bench 7 "$c")"; done
    for c in $conns; do printf ' %.0f |' "$(value "$name" bench 5 "$c")"; done
    for c in $conns; do printf ' %.2f |' "$(value "$name" bench 9 "$c")"; done
    rss=$(value "$name" memory 3)
    printf ' %.0f | %+.0f%% | %.0f | %.0f%% |\n' "$rss" "$(awk -v a="$rss" -v b="$rss0" 'BEGIN { print (a / b - 1) * 100 }')" \
      "$(value "$name" startup 3)" "$(value "$name" cpu-others 2)"
  done
}

for pass in $(seq "$PASSES"); do
  for entry in "${sets[@]}"; do
    run_set "${entry%%=*}" "${entry#*=}" "$pass"
  done
done
print_table | tee "$out/table.md"
log "bench: jvm-flags: reports of every run in $out"
