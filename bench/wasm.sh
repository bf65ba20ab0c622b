#!/usr/bin/env bash
# The WebAssembly benchmark: the WAGI hello and echo modules (examples/wasm, on Chicory) against
# the native hello and echo plugins doing the same work on the same flexilib, and against nginx's
# `return 200`, with wrk on loopback; then a run under load while hello.wasm is rebuilt.
#
#   bench/wasm.sh                # ROUNDS=3 DURATION=5s CONNECTIONS="32 256" EDITS=10
#
# What it reports, as markdown on stdout:
#   - req/s, p50 and p99 at each number of connections, rounds alternating between routes, with
#     errors, and the ratios WASM / native and WASM / nginx;
#   - the guest memory one request holds (the module's pages, from the access log's alloc field)
#     and the serving process's resident memory after the runs;
#   - reloads: hello.wasm replaced EDITS times a second apart under load, the generations
#     swapped in and the errors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32 256}
EDITS=${EDITS:-10}
. "$root/bench/lib/common.sh"
work=$(mktemp -d /tmp/flexilib-wasm-bench.XXXXXX)
pids=()
wrk_pid=""

cleanup() {
  if [ -n "$wrk_pid" ]; then kill "$wrk_pid" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

await_200() {  # URL NAME
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  die "$2 did not answer 200 at $1; logs are in $work"
}

install_tools
command -v curl >/dev/null || die "curl is missing"
for built in flexilib-server/target/flexilib-server.jar examples/native/build/libhello.so examples/native/build/libecho.so \
             examples/wasm/hello.wasm examples/wasm/echo.wasm; do
  [ -e "$root/$built" ] || "$root/bin/build"
done

# the modules in a directory of their own (with their settings), so that the reload run can replace
# hello.wasm there; ten builds of it, each with a different greeting, made before any load
mkdir -p "$work/modules"
cp "$root/examples/wasm/hello.wasm" "$root/examples/wasm/hello.properties" "$root/examples/wasm/echo.wasm" \
   "$root/examples/wasm/echo.properties" "$work/modules/"
for edit in $(seq 1 "$EDITS"); do
  sed "s/Hello from WebAssembly!/Hello from WebAssembly, build $edit!/" "$root/examples/wasm/hello.c" > "$work/hello-$edit.c"
  clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-all -o "$work/hello-$edit.wasm" "$work/hello-$edit.c"
done
cat > "$work/modules/proxy.ini" <<INI
/hello = $root/examples/native/build/libhello.so
/echo = $root/examples/native/build/libecho.so
/wasm/hello = hello.wasm
/wasm/echo = echo.wasm
INI

read -r nginx_port flexi < <(free_ports 2)
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$nginx_port; keepalive_requests 1000000;
           location / { default_type text/plain; return 200 "Hello from WebAssembly!\n"; } }
}
CONF
"$NGINX_BIN" -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.stderr" & pids+=($!)
PORT=$flexi LISTEN_ADDRESS=127.0.0.1 "$root/bin/flexilib" --config "$work/modules/proxy.ini" \
  >"$work/access.log" 2>"$work/flexilib.stderr" &
flexilib_pid=$!; pids+=($flexilib_pid)
await_200 "http://127.0.0.1:$nginx_port/" nginx
for path in /hello /wasm/hello; do await_200 "http://127.0.0.1:$flexi$path" "flexilib $path"; done

run() {  # PORT PATH CONNECTIONS [POST] -> "req/s p50ms p99ms errors"
  local script=()
  if [ -n "${4:-}" ]; then script=(-s "$root/bench/post.lua"); fi
  WRK_BODY_BYTES=1024 wrk -t1 -c"$3" -d"$DURATION" --latency "${script[@]}" "http://127.0.0.1:$1$2" > "$work/wrk.out"
  printf '%s %s %s %s\n' "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out")" \
    "$(to_ms "$(awk '/^ +50%/ {print $2}' "$work/wrk.out")")" "$(to_ms "$(awk '/^ +99%/ {print $2}' "$work/wrk.out")")" \
    "$(awk '/Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]} END {print e+0}' "$work/wrk.out")"
}

routes=("nginx $nginx_port /" "native-hello $flexi /hello" "wasm-hello $flexi /wasm/hello"
        "native-echo $flexi /echo post" "wasm-echo $flexi /wasm/echo post")
log "bench: warming up (each route, 32 connections, 10 s: the JIT compiles the server and the modules)"
for route in "${routes[@]}"; do
  set -- $route
  run "$2" "$3" 32 "${4:-}" > /dev/null
  run "$2" "$3" 32 "${4:-}" > /dev/null
done
for conns in $CONNECTIONS; do
  for route in "${routes[@]}"; do : > "$work/${route%% *}-$conns.rounds"; done
  for round in $(seq 1 "$ROUNDS"); do
    for route in "${routes[@]}"; do
      set -- $route
      run "$2" "$3" "$conns" "${4:-}" | tee -a "$work/$1-$conns.rounds" | sed "s/^/bench: c$conns round $round $1: /" >&2
    done
  done
done
rss=$(rss_kb "$flexilib_pid")
curl -s -o /dev/null "http://127.0.0.1:$flexi/wasm/hello?memory"
sleep 0.2  # the access log is written by a background thread every 10 ms
guest=$(grep 'GET /wasm/hello?memory' "$work/access.log" | tail -1 | sed -n 's/.*alloc: \([0-9]*\)).*/\1/p')

field() {  # NAME CONNS FIELD(1..4) -> median over the rounds
  median $(cut -d' ' -f"$3" "$work/$1-$2.rounds")
}

# the reload run: wasm hello under load while hello.wasm is replaced by the next build every second
wrk -t1 -c32 -d$((EDITS + 4))s "http://127.0.0.1:$flexi/wasm/hello" > "$work/reload.wrk" &
wrk_pid=$!
sleep 2
for edit in $(seq 1 "$EDITS"); do
  cp "$work/hello-$edit.wasm" "$work/modules/hello.wasm.tmp"
  mv "$work/modules/hello.wasm.tmp" "$work/modules/hello.wasm"
  sleep 1
done
wait "$wrk_pid"
wrk_pid=""
swaps=$(grep -c 'generation.swapped.*hello.wasm' "$work/flexilib.stderr" || true)
last=$(curl -s "http://127.0.0.1:$flexi/wasm/hello")
reload_rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/reload.wrk")
reload_errors=$(awk '/Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]} END {print e+0}' "$work/reload.wrk")
reload_requests=$(awk '/requests in/ {print $1}' "$work/reload.wrk")

echo "### WebAssembly, $(date -u '+%F %H:%M') UTC"
echo
echo "$(nproc) cores · wrk -t1 -d$DURATION, $ROUNDS rounds per row after a warm-up, routes alternating within each round."
echo "WASM: examples/wasm/hello.wasm and echo.wasm (C, clang -O2 for wasm32-wasi) on Chicory's compiler, on flexilib;"
echo "native: examples/native hello and echo on the same server; nginx: return 200. Echo rows POST 1 KiB."
echo
for conns in $CONNECTIONS; do
  echo "$conns connections:"
  echo
  echo "| route | req/s | p50 ms | p99 ms | errors | WASM / native | / nginx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  nginx_rps=$(field nginx "$conns" 1)
  for name in nginx native-hello wasm-hello native-echo wasm-echo; do
    rps=$(field "$name" "$conns" 1)
    ratio=""
    if [[ $name == wasm-* ]]; then
      ratio=$(printf '%.2f' "$(echo "$rps $(field "native-${name#wasm-}" "$conns" 1)" | awk '{print $1/$2}')")
    fi
    printf '| %s | %.0f | %.3f | %.3f | %s | %s | %.2f |\n' "$name" "$rps" "$(field "$name" "$conns" 2)" \
      "$(field "$name" "$conns" 3)" "$(awk '{s+=$4} END {print s}' "$work/$name-$conns.rounds")" "$ratio" \
      "$(echo "$rps $nginx_rps" | awk '{print $1/$2}')"
  done
  echo
done
echo "Guest memory one hello request holds: ${guest:-?} bytes (its module's pages); the serving process: $((rss / 1024)) MB resident after the runs."
echo
echo "Reloads under load: hello.wasm replaced $EDITS times a second apart during $((EDITS + 4)) s of wrk at 32 connections:"
echo "$swaps generations swapped in, $reload_requests requests, $reload_rps req/s, $reload_errors errors; it answers \"$last\" at the end."
