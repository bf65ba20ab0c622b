#!/usr/bin/env bash
# The Lambda benchmark: warm Lambda routes (the Java example on AWS's runtime client, and the C
# custom runtime, each alone and as routes of the example SAM application) against the native
# hello plugin on the same flexilib and against nginx's `return 200`, with wrk on loopback; then
# the Java example's cold start.
#
#   bench/lambda.sh                # ROUNDS=3 DURATION=5s CONNECTIONS=32 STARTS=3
#
# What it reports, as markdown on stdout:
#   - latency at one connection (one request at a time): p50 and p99 per route, and the warm
#     overhead of an invocation = the Lambda route's p50 minus the native plugin's p50 (both
#     go through the same HTTP path; the C runtime does next to nothing itself, so its figure
#     is what flexilib adds: the API Gateway event, the Runtime API round trip, the mapping back);
#   - req/s at CONNECTIONS connections (each function may run that many environments), with
#     errors, and the ratios to the native plugin and to nginx, rounds alternating;
#   - cold start: launch of a fresh flexilib to the first 200 from the Java example, and the
#     Init Duration of its REPORT line, STARTS times.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
STARTS=${STARTS:-3}
. "$root/bench/lib/common.sh"
work=$(mktemp -d /tmp/flexilib-lambda-bench.XXXXXX)
pids=()

cleanup() {
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
for built in flexilib-server/target/flexilib-server.jar examples/lambda/java-hello/target/lambda-java-hello.jar \
             examples/lambda/c-hello/build/bootstrap examples/native/build/libhello.so examples/sam/items/target/items.jar; do
  [ -e "$root/$built" ] || "$root/bin/build"
done

# the examples' functions, allowed as many environments as wrk has connections; their settings in a
# directory of their own: flexilib watches it, and the logs written beside would wake the watcher
mkdir -p "$work/functions"
sed "s/\"Timeout\"/\"ReservedConcurrentExecutions\": $CONNECTIONS, \"Timeout\"/; s#\"CodeUri\": \"#\"CodeUri\": \"$root/examples/lambda/#" \
  "$root/examples/lambda/hello-java.json" > "$work/functions/java.json"
sed "s/\"Timeout\"/\"ReservedConcurrentExecutions\": $CONNECTIONS, \"Timeout\"/; s#\"CodeUri\": \"#\"CodeUri\": \"$root/examples/lambda/#" \
  "$root/examples/lambda/hello-c.json" > "$work/functions/c.json"
# the example SAM application, its code where it is, its functions allowed as many environments
sed "s#^    Timeout: 10#    Timeout: 10\n    ReservedConcurrentExecutions: $CONNECTIONS#; s#CodeUri: \([^ ]*\)#CodeUri: $root/examples/sam/\1#" \
  "$root/examples/sam/template.yaml" > "$work/functions/sam.yaml"
cat > "$work/functions/proxy.ini" <<INI
/hello = $root/examples/native/build/libhello.so
/lambda/java = lambda:java.json
/lambda/c = lambda:c.json
/sam = lambda:sam.yaml
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
           location / { default_type text/plain; return 200 "Hello, World!"; } }
}
CONF
"$NGINX_BIN" -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.stderr" & pids+=($!)
PORT=$flexi LISTEN_ADDRESS=127.0.0.1 "$root/bin/flexilib" --config "$work/functions/proxy.ini" >/dev/null 2>"$work/flexilib.stderr" &
pids+=($!)
await_200 "http://127.0.0.1:$nginx_port/" nginx
for path in /hello /lambda/java /lambda/c /sam/hello/bench /sam/items/2; do await_200 "http://127.0.0.1:$flexi$path" "flexilib $path"; done

run() {  # PORT PATH CONNECTIONS -> "req/s p50ms p99ms errors"
  wrk -t1 -c"$3" -d"$DURATION" --latency "http://127.0.0.1:$1$2" > "$work/wrk.out"
  printf '%s %s %s %s\n' "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out")" \
    "$(to_ms "$(awk '/^ +50%/ {print $2}' "$work/wrk.out")")" "$(to_ms "$(awk '/^ +99%/ {print $2}' "$work/wrk.out")")" \
    "$(awk '/Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]} END {print e+0}' "$work/wrk.out")"
}

routes=("nginx $nginx_port /" "native $flexi /hello" "lambda-c $flexi /lambda/c" "lambda-java $flexi /lambda/java"
        "sam-c $flexi /sam/hello/bench" "sam-java $flexi /sam/items/2")
echo "bench: warming up (each route, ${CONNECTIONS} connections, 10 s: every environment starts, the JIT compiles)" >&2
for route in "${routes[@]}"; do
  set -- $route
  wrk -t1 -c"$CONNECTIONS" -d10s "http://127.0.0.1:$2$3" > /dev/null
done
for conns in 1 "$CONNECTIONS"; do
  for route in "${routes[@]}"; do : > "$work/${route%% *}-$conns.rounds"; done
  for round in $(seq 1 "$ROUNDS"); do
    for route in "${routes[@]}"; do
      set -- $route
      run "$2" "$3" "$conns" | tee -a "$work/$1-$conns.rounds" | sed "s/^/bench: c$conns round $round $1: /" >&2
    done
  done
done

field() {  # NAME CONNS FIELD(1..4) -> median over the rounds
  median $(cut -d' ' -f"$3" "$work/$1-$2.rounds")
}

echo "### Lambda routes, $(date -u '+%F %H:%M') UTC"
echo
echo "$(nproc) cores · wrk -t1 -d$DURATION, $ROUNDS rounds per row after a 10 s warm-up, routes alternating within each round."
echo "Java example: examples/lambda/hello-java.json (java21 on AWS's runtime interface client); C: examples/lambda/hello-c.json"
echo "(provided.al2023); sam-java and sam-c: the same kinds of function as routes GET /items/{id} (REST) and"
echo "GET /hello/{name} (HTTP API) of examples/sam/template.yaml; all with ReservedConcurrentExecutions $CONNECTIONS."
echo "Native: the hello plugin on the same server."
echo
echo "One connection (a request at a time):"
echo
echo "| route | p50 ms | p99 ms | warm overhead vs the native plugin, p50 | p99 |"
echo "| --- | ---: | ---: | ---: | ---: |"
native50=$(field native 1 2); native99=$(field native 1 3)
for name in nginx native lambda-c lambda-java sam-c sam-java; do
  p50=$(field "$name" 1 2); p99=$(field "$name" 1 3)
  if [[ $name == lambda-* || $name == sam-* ]]; then
    printf '| %s | %.3f | %.3f | %.3f ms | %.3f ms |\n' "$name" "$p50" "$p99" \
      "$(echo "$p50 $native50" | awk '{print $1-$2}')" "$(echo "$p99 $native99" | awk '{print $1-$2}')"
  else
    printf '| %s | %.3f | %.3f | | |\n' "$name" "$p50" "$p99"
  fi
done
echo
echo "$CONNECTIONS connections:"
echo
echo "| route | req/s | p50 ms | p99 ms | errors | ratio to native | ratio to nginx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
native_rps=$(field native "$CONNECTIONS" 1); nginx_rps=$(field nginx "$CONNECTIONS" 1)
for name in nginx native lambda-c lambda-java sam-c sam-java; do
  rps=$(field "$name" "$CONNECTIONS" 1)
  printf '| %s | %.0f | %.3f | %.3f | %s | %.2f | %.2f |\n' "$name" "$rps" "$(field "$name" "$CONNECTIONS" 2)" \
    "$(field "$name" "$CONNECTIONS" 3)" "$(awk '{s+=$4} END {print s}' "$work/$name-$CONNECTIONS.rounds")" \
    "$(echo "$rps $native_rps" | awk '{print $1/$2}')" "$(echo "$rps $nginx_rps" | awk '{print $1/$2}')"
done

cleanup
pids=()
echo
echo "Cold start of the Java example: a fresh flexilib, then its first request to /lambda/java ($STARTS starts):"
echo
echo "| start | launch → first 200 ms | first request ms | Init Duration (REPORT) ms |"
echo "| ---: | ---: | ---: | ---: |"
for start in $(seq 1 "$STARTS"); do
  port=$(free_ports 1)
  begin=$(date +%s%N)
  PORT=$port LISTEN_ADDRESS=127.0.0.1 "$root/bin/flexilib" --config "$work/functions/proxy.ini" >/dev/null 2>"$work/cold-$start.stderr" &
  pid=$!
  pids=("$pid")
  until grep -q "server.started" "$work/cold-$start.stderr" 2>/dev/null; do sleep 0.01; done
  first=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/lambda/java")
  done_at=$(date +%s%N)
  init=$(grep -m1 -o 'Init Duration: [0-9.]*' "$work/cold-$start.stderr" | grep -o '[0-9.]*$' || echo "?")
  printf '| %d | %.0f | %.0f | %s |\n' "$start" "$(( (done_at - begin) / 1000000 ))" \
    "$(echo "$first" | awk '{print $1*1000}')" "$init"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pids=()
done
echo "bench: configs, logs and the last wrk output are in $work" >&2
