#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs bench/run.sh once per set of JVM options for flexilib's serving child
# (FLEXILIB_JAVA_OPTS; the server itself is untouched) and prints one markdown
# table comparing the sets: req/s ratio to nginx, p99, the serving JVM's
# largest resident memory, and start-up time. See bench/README.md.
#
#   bench/jvm-flags.sh                          # the built-in candidate sets
#   bench/jvm-flags.sh 'small=-Xmx64m -XX:+UseSerialGC' 'aot=@aot'
#
# A set is NAME=OPTIONS; the default set (no options) is always measured too.
# "@aot" among the options stands for -XX:AOTCache=FILE, FILE trained first by
# a run of flexilib with the set's other options and -XX:AOTCacheOutput=FILE;
# "@cds" likewise for -XX:SharedArchiveFile=FILE, trained with
# -XX:ArchiveClassesAtExit=FILE (a dynamic CDS archive).
# Each set runs the scenarios below (any run.sh setting can be overridden);
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
PASSES=${PASSES:-1}
unset FLEXILIB_JAVA_OPTS FLEXILIB_CMD QUICK

DEFAULT_SETS=(
  "xmx128=-Xmx128m"
  "xmx64=-Xmx64m"
  "serial=-XX:+UseSerialGC"
  "c1-only=-XX:TieredStopAtLevel=1"
  "xss256k=-Xss256k"
  "codecache32=-XX:ReservedCodeCacheSize=32m"
  "direct32=-XX:MaxDirectMemorySize=32m"
  "netty-unpooled=-Dio.netty.allocator.type=unpooled"
  "netty-pooled-1arena=-Dio.netty.allocator.type=pooled -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1"
  "compact-headers=-XX:+UseCompactObjectHeaders"
  "cds=@cds"
  "aot=@aot"
)
if [ $# -gt 0 ]; then sets=("default=" "$@"); else sets=("default=" "${DEFAULT_SETS[@]}"); fi

out=$(mktemp -d "${TMPDIR:-/tmp}/flexilib-jvm-flags.XXXXXX")
log "bench: jvm-flags: ${#sets[@]} sets x $PASSES pass(es); reports and summaries in $out"

train_pid="" train_port=""
trap 'set +e; [ -z "$train_port" ] || kill_tree "$train_pid" "$train_port"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

train() {
  # train OPTIONS FILE: serves every scenario for a while with OPTIONS (which
  # name FILE as the archive to write), then stops flexilib so that the
  # serving JVM writes FILE as it exits.
  local opts=$1 file=$2 dir s code script
  dir=$(dirname "$file")
  write_proxy_ini "$dir/proxy.ini" "$repo"
  train_port=$(free_ports 1)
  FLEXILIB_JAVA_OPTS=$opts PORT=$train_port LISTEN_ADDRESS=127.0.0.1 \
    "$repo/bin/flexilib" serve --config "$dir/proxy.ini" </dev/null >"$dir/train.stdout.log" 2>"$dir/train.stderr.log" &
  train_pid=$!
  for _ in $(seq 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$train_port/hello" || true)
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  [ "$code" = 200 ] || { show_logs "$dir/train.stderr.log"; die "the training run did not answer"; }
  for s in $ALL_SCENARIOS; do
    scenario "$s"
    script=(); [ "$S_POST" -eq 0 ] || script=(-s "$here/post.lua")
    WRK_BODY_BYTES=$S_POST wrk -t1 -c32 -d3s "${script[@]}" "http://127.0.0.1:$train_port$S_PATH" \
      >"$dir/train-$s.wrk.txt" 2>&1
  done
  # Stop the supervisor only: it drains the child, whose JVM writes the cache
  # on its way out (which takes a few seconds).
  kill -TERM "$train_pid"
  wait "$train_pid" || true
  train_pid="" train_port=""
  [ -s "$file" ] || { show_logs "$dir/train.stderr.log" "$dir/train.stdout.log"; die "the training run wrote no $file"; }
  log "bench: jvm-flags: trained $file ($(du -h "$file" | cut -f1))"
}

run_set() {
  # run_set NAME OPTIONS PASS
  local name=$1 opts=$2 pass=$3 dir=$out/$1 file
  mkdir -p "$dir"
  if [[ " $opts " == *" @aot "* ]]; then
    file=$dir/flexilib.aot
    opts=$(words_without "@aot" "$opts")
    [ -s "$file" ] || train "$opts -XX:AOTCacheOutput=$file" "$file"
    opts="$opts -XX:AOTCache=$file"
  fi
  if [[ " $opts " == *" @cds "* ]]; then
    file=$dir/flexilib.jsa
    opts=$(words_without "@cds" "$opts")
    [ -s "$file" ] || train "$opts -XX:ArchiveClassesAtExit=$file" "$file"
    opts="$opts -XX:SharedArchiveFile=$file"
  fi
  opts=$(echo "$opts" | xargs)
  echo "$opts" >"$dir/options"
  log "bench: jvm-flags: pass $pass, $name: FLEXILIB_JAVA_OPTS='$opts'"
  FLEXILIB_JAVA_OPTS=$opts SUMMARY_TSV=$dir/summary.$pass.tsv \
    "$here/run.sh" >"$dir/report.$pass.md" 2>"$dir/run.$pass.log" ||
    { tail -n 20 "$dir/run.$pass.log" >&2; die "run.sh failed for $name; see $dir"; }
}

words_without() {
  # words_without WORD LIST: LIST without WORD.
  local w kept=()
  for w in $2; do [ "$w" = "$1" ] || kept+=("$w"); done
  echo "${kept[*]}"
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
    opts=${opts//$out\/$name\//}   # the trained archive's directory: noise here
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
