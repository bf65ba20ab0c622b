#!/usr/bin/env bash
# The proxy benchmark: flexilib proxying to an nginx upstream against nginx's own
# proxy_pass to the same upstream, side by side in one run, with wrk on loopback.
#
#   bench/proxy.sh                 # ROUNDS=3 DURATION=10s CONNECTIONS=32
#
# Both proxies keep connections to the upstream alive. Prints a markdown table
# with requests/s, p99 and the ratio to nginx.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
work=$(mktemp -d /tmp/flexilib-proxy-bench.XXXXXX)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

await_200() {  # URL NAME
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  echo "bench: $2 did not answer 200 at $1; logs are in $work" >&2
  exit 1
}

for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (bench/run.sh installs nginx and wrk)" >&2; exit 1; }
done
[ -f "$root/flexilib-server/target/flexilib-server.jar" ] || "$root/bin/build"

upstream=$(free_port); front=$(free_port); flexi=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream origin { server 127.0.0.1:$upstream; keepalive 64; }
  server { listen 127.0.0.1:$upstream; keepalive_requests 1000000;
           location / { default_type text/plain; return 200 "Hello, World!"; } }
  server { listen 127.0.0.1:$front; keepalive_requests 1000000;
           location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.stderr" & pids+=($!)
printf '/ = http://127.0.0.1:%s\n' "$upstream" > "$work/proxy.ini"
PORT=$flexi LISTEN_ADDRESS=127.0.0.1 "$root/bin/flexilib" --config "$work/proxy.ini" >/dev/null 2>"$work/flexilib.stderr" & pids+=($!)
await_200 "http://127.0.0.1:$upstream/" "the upstream nginx"
await_200 "http://127.0.0.1:$front/" "nginx proxy_pass"
await_200 "http://127.0.0.1:$flexi/" "flexilib"

run() {  # PORT -> "req/s p99ms errors"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$1/" > "$work/wrk.out"
  awk '/Requests\/sec/ {rps=$2}
       /^ +99%/ {v=$2; u=v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
                 p99 = (u == "us") ? v/1000 : (u == "s") ? v*1000 : v}
       /Non-2xx|Socket errors/ {n=split($0, f, /[^0-9]+/); for (i=1;i<=n;i++) e+=f[i]}
       END {printf "%.0f %.2f %d\n", rps, p99, e}' "$work/wrk.out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

wrk -t1 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$front/" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$flexi/" >/dev/null
: > "$work/nginx.rounds"; : > "$work/flexilib.rounds"
for round in $(seq 1 "$ROUNDS"); do
  run "$front" | tee -a "$work/nginx.rounds" | sed "s/^/bench: round $round nginx proxy_pass: /" >&2
  run "$flexi" | tee -a "$work/flexilib.rounds" | sed "s/^/bench: round $round flexilib proxy: /" >&2
done

nginx_rps=$(cut -d' ' -f1 "$work/nginx.rounds" | median)
flexi_rps=$(cut -d' ' -f1 "$work/flexilib.rounds" | median)
echo "$(date -u +%F) · $(nproc) cores · wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, alternating; both proxies keep upstream connections alive"
echo
echo "| proxy | req/s (median) | p99 ms (median) | errors | ratio to nginx |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '| nginx proxy_pass | %.0f | %s | %s | 1.00 |\n' "$nginx_rps" \
  "$(cut -d' ' -f2 "$work/nginx.rounds" | median)" "$(awk '{s+=$3} END {print s}' "$work/nginx.rounds")"
printf '| flexilib proxy route | %.0f | %s | %s | %.2f |\n' "$flexi_rps" \
  "$(cut -d' ' -f2 "$work/flexilib.rounds" | median)" "$(awk '{s+=$3} END {print s}' "$work/flexilib.rounds")" \
  "$(echo "$flexi_rps $nginx_rps" | awk '{print $1/$2}')"
echo "bench: configs, logs and the last wrk output are in $work" >&2
