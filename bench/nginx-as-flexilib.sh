#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stand-in for flexilib when testing bench/run.sh itself: a second nginx that
# answers every scenario exactly as the reference nginx does, on
# $LISTEN_ADDRESS:$PORT, so both columns should come out equal (ratio ~1.00).
# Use it as
#   FLEXILIB_CMD="$PWD/bench/nginx-as-flexilib.sh" QUICK=1 bench/run.sh
# run.sh exports PORT, LISTEN_ADDRESS and PROXY_INI; the nginx files go in a
# folder beside PROXY_INI (the benchmark's work dir).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/scenarios.sh
. "$here/lib/scenarios.sh"
dir="$(dirname "${PROXY_INI:?run this through bench/run.sh}")/nginx-as-flexilib-${PORT:?}"
write_nginx_conf "$dir" "$PORT"
[ "${LISTEN_ADDRESS:-127.0.0.1}" = 127.0.0.1 ] || sed -i "s/listen 127.0.0.1:/listen $LISTEN_ADDRESS:/" "$dir/nginx.conf"
exec /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
