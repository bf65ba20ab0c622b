#!/usr/bin/env bash
# Stand-in for flexilib when testing bench/run.sh itself: a second nginx that
# serves the same "Hello, World!" on $LISTEN_ADDRESS:$PORT, so both columns
# should come out equal (ratio ~1.00). Use it as
#   FLEXILIB_CMD="$PWD/bench/nginx-as-flexilib.sh" ROUNDS=1 DURATION=3 bench/run.sh
# run.sh exports PORT, LISTEN_ADDRESS and PROXY_INI; the nginx files go in a
# folder beside PROXY_INI (the benchmark's work dir).
set -euo pipefail
dir="$(dirname "${PROXY_INI:?run this through bench/run.sh}")/nginx-as-flexilib"
mkdir -p "$dir/tmp"
cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes auto;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen ${LISTEN_ADDRESS:-127.0.0.1}:${PORT:?};
        location / { default_type text/plain; return 200 "Hello, World!"; }
    }
}
CONF
exec /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
