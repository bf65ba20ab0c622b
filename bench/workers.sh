#!/usr/bin/env bash
# The Workers benchmark: the bundled hello Worker (examples/workers/hello/worker.js) served by
# flexilib, by a bare workerd (the same binary, its own socket, no proxy in front), and by
# `wrangler dev` (installed from npm into the work directory, pinned), side by side, with wrk on
# loopback; then flexilib under load while the Worker is edited again and again.
#
#   bench/workers.sh           # ROUNDS=3 DURATION=5s CONNECTIONS=32 EDITS=10
#
# What it reports, as markdown on stdout:
#   - latency at one connection (p50, p99) and req/s at CONNECTIONS connections (errors too),
#     with flexilib's ratios to bare workerd and to wrangler dev, rounds alternating;
#   - resident memory of each server's process tree after the runs;
#   - the reload run: req/s and errors at CONNECTIONS connections while the Worker's file is
#     rewritten EDITS times (each edit a new generation: a new workerd swapped in).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
EDITS=${EDITS:-10}
# the newest wrangler that runs on the Node.js 20 of this kind of machine (4.87 and later need 22)
WRANGLER_VERSION=4.86.0
. "$root/bench/lib/common.sh"
work=$(mktemp -d /tmp/flexilib-workers-bench.XXXXXX)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill_tree "$pid" ""; done
}
trap cleanup EXIT INT TERM

await_200() {  # URL NAME
  for _ in $(seq 1 1200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  show_logs "$work"/*.stderr
  die "$2 did not answer 200 at $1; logs are in $work"
}

install_tools
command -v npm >/dev/null || die "npm is missing: wrangler dev is installed from the npm registry"
workerd_dir="$root/flexilib-server/target/workerd/node_modules"
[ -e "$root/flexilib-server/target/flexilib-server.jar" ] && [ -x "$workerd_dir/@cloudflare/workerd-linux-64/bin/workerd" ] \
  || "$root/bin/build"
workerd="$workerd_dir/@cloudflare/workerd-linux-64/bin/workerd"

log "bench: installing wrangler $WRANGLER_VERSION from npm into $work/wrangler"
npm install --prefix "$work/wrangler" --no-audit --no-fund --ignore-scripts --loglevel=error \
  "wrangler@$WRANGLER_VERSION" >/dev/null 2>"$work/npm.stderr" || { show_logs "$work/npm.stderr"; die "npm could not install wrangler"; }

# the same Worker three ways: its file copied into a directory of its own for each server
mkdir -p "$work/flexilib" "$work/bare" "$work/wrangler-dev"
for d in flexilib bare wrangler-dev; do cp "$root/examples/workers/hello/worker.js" "$work/$d/worker.js"; done
printf '/ = %s\n' "$work/flexilib/worker.js" > "$work/flexilib/proxy.ini"
printf 'name = "hello"\nmain = "worker.js"\ncompatibility_date = "2025-06-01"\n' > "$work/wrangler-dev/wrangler.toml"

read -r flexi bare wrangler_port < <(free_ports 3)
cat > "$work/bare/config.capnp" <<CAPNP
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .hello)],
  sockets = [(name = "http", address = "127.0.0.1:$bare", http = (), service = "main")],
);
const hello :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-06-01",
);
CAPNP

PORT=$flexi LISTEN_ADDRESS=127.0.0.1 FLEXILIB_PRELOAD=1 "$root/bin/flexilib" --config "$work/flexilib/proxy.ini" \
  >/dev/null 2>"$work/flexilib.stderr" & pids+=($!); flexilib_pid=$!
(cd "$work/bare" && exec "$workerd" serve config.capnp) >/dev/null 2>"$work/bare.stderr" & pids+=($!); bare_pid=$!
(cd "$work/wrangler-dev" && CI=1 WRANGLER_SEND_METRICS=false exec "$work/wrangler/node_modules/.bin/wrangler" dev \
  --ip 127.0.0.1 --port "$wrangler_port" --log-level warn) >/dev/null 2>"$work/wrangler.stderr" </dev/null &
pids+=($!); wrangler_pid=$!
await_200 "http://127.0.0.1:$flexi/" flexilib
await_200 "http://127.0.0.1:$bare/" "bare workerd"
await_200 "http://127.0.0.1:$wrangler_port/" "wrangler dev"

run() {  # PORT CONNECTIONS -> "req/s p50ms p99ms errors"
  wrk -t1 -c"$2" -d"$DURATION" --latency "http://127.0.0.1:$1/" > "$work/wrk.out"
  printf '%s %s %s %s\n' "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out")" \
    "$(to_ms "$(awk '/^ +50%/ {print $2}' "$work/wrk.out")")" "$(to_ms "$(awk '/^ +99%/ {print $2}' "$work/wrk.out")")" \
    "$(awk '/Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]} END {print e+0}' "$work/wrk.out")"
}

servers=("flexilib $flexi" "workerd $bare" "wrangler $wrangler_port")
log "bench: warming up (each server, $CONNECTIONS connections, 10 s)"
for server in "${servers[@]}"; do
  set -- $server
  wrk -t1 -c"$CONNECTIONS" -d10s "http://127.0.0.1:$2/" > /dev/null
done
for conns in 1 "$CONNECTIONS"; do
  for server in "${servers[@]}"; do : > "$work/${server%% *}-$conns.rounds"; done
  for round in $(seq 1 "$ROUNDS"); do
    for server in "${servers[@]}"; do
      set -- $server
      run "$2" "$conns" | tee -a "$work/$1-$conns.rounds" | sed "s/^/bench: c$conns round $round $1: /" >&2
    done
  done
done
rss_flexilib=$(rss_kb "$flexilib_pid"); rss_bare=$(rss_kb "$bare_pid"); rss_wrangler=$(rss_kb "$wrangler_pid")

field() {  # NAME CONNS FIELD(1..4) -> median over the rounds
  median $(cut -d' ' -f"$3" "$work/$1-$2.rounds")
}

# the reload run: flexilib under load while the Worker is rewritten; each version differs in a comment
: > "$work/reload.wrk"
wrk -t1 -c"$CONNECTIONS" -d$((EDITS + 4))s "http://127.0.0.1:$flexi/" > "$work/reload.wrk" &
wrk_pid=$!
sleep 2
for edit in $(seq 1 "$EDITS"); do
  { cat "$root/examples/workers/hello/worker.js"; echo "// edit $edit"; } > "$work/flexilib/worker.js.tmp"
  mv "$work/flexilib/worker.js.tmp" "$work/flexilib/worker.js"
  sleep 1
done
wait "$wrk_pid"
swaps=$(grep -c 'generation.swapped' "$work/flexilib.stderr" || true)
reload_rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/reload.wrk")
reload_errors=$(awk '/Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]} END {print e+0}' "$work/reload.wrk")
reload_requests=$(awk '/requests in/ {print $1}' "$work/reload.wrk")

echo "### Workers, $(date -u '+%F %H:%M') UTC"
echo
echo "$(nproc) cores · wrk -t1 -d$DURATION, $ROUNDS rounds per row after a 10 s warm-up, servers alternating within each round."
echo "The hello Worker (examples/workers/hello/worker.js) on flexilib (a proxy.ini route; workerd behind it on a Unix socket),"
echo "on a bare workerd $("$workerd" --version | awk '{print $2}') (its own TCP socket), and under wrangler dev $WRANGLER_VERSION."
echo
echo "| server | p50 ms (1 conn) | p99 ms (1 conn) | req/s ($CONNECTIONS conns) | p50 ms | p99 ms | errors | resident MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for name in flexilib workerd wrangler; do
  rss_var="rss_${name/workerd/bare}"
  printf '| %s | %.3f | %.3f | %.0f | %.3f | %.3f | %s | %.0f |\n' "$name" "$(field "$name" 1 2)" "$(field "$name" 1 3)" \
    "$(field "$name" "$CONNECTIONS" 1)" "$(field "$name" "$CONNECTIONS" 2)" "$(field "$name" "$CONNECTIONS" 3)" \
    "$(awk '{s+=$4} END {print s}' "$work/$name-$CONNECTIONS.rounds")" "$(echo "${!rss_var}" | awk '{print $1/1024}')"
done
echo
flexi_rps=$(field flexilib "$CONNECTIONS" 1)
printf 'flexilib / bare workerd: %.2f× req/s at %s connections, %.2f× p50 latency at one; flexilib / wrangler dev: %.2f× req/s, %.2f× p50.\n' \
  "$(echo "$flexi_rps $(field workerd "$CONNECTIONS" 1)" | awk '{print $1/$2}')" "$CONNECTIONS" \
  "$(echo "$(field flexilib 1 2) $(field workerd 1 2)" | awk '{print $1/$2}')" \
  "$(echo "$flexi_rps $(field wrangler "$CONNECTIONS" 1)" | awk '{print $1/$2}')" \
  "$(echo "$(field flexilib 1 2) $(field wrangler 1 2)" | awk '{print $1/$2}')"
echo
echo "Reloads under load: $EDITS edits of the Worker a second apart during $((EDITS + 4)) s of wrk at $CONNECTIONS connections:"
echo "$swaps generations swapped in, $reload_requests requests, $reload_rps req/s, $reload_errors errors."
