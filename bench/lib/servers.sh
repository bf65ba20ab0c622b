# Starting nginx and flexilib for bench/run.sh, and checking that they answer
# every scenario alike. Sourced; uses run.sh's settings and globals.
# shellcheck shell=bash

launch_nginx() {
  # launch_nginx DIR PORT: starts nginx with a fresh DIR/nginx.conf in the
  # background; sets LAUNCHED_PID, and LAUNCHED_AT to the time of the launch
  # ($EPOCHREALTIME, after the config test).
  local dir=$1 port=$2
  write_nginx_conf "$dir" "$port"
  # -e: nginx opens its default error log before reading the config; keep
  # that one in DIR too. -t first, so a bad config fails clearly.
  "$NGINX_BIN" -t -q -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/stderr.log" ||
    { cat "$dir/stderr.log" >&2; die "nginx rejected $dir/nginx.conf"; }
  LAUNCHED_AT=$EPOCHREALTIME
  "$NGINX_BIN" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" </dev/null >/dev/null 2>"$dir/stderr.log" &
  LAUNCHED_PID=$!
}

launch_flexilib() {
  # launch_flexilib PORT ERRFILE: starts flexilib (or FLEXILIB_CMD) serving
  # $workdir/proxy.ini on 127.0.0.1:PORT in the background; sets LAUNCHED_PID
  # and LAUNCHED_AT (the time of the launch, $EPOCHREALTIME).
  # stdout is flexilib's access log: dropped, it would only cost disk I/O.
  local port=$1 errfile=$2
  LAUNCHED_AT=$EPOCHREALTIME
  if [ -n "$FLEXILIB_CMD" ]; then
    PORT=$port LISTEN_ADDRESS=127.0.0.1 PROXY_INI=$workdir/proxy.ini \
      bash -c "exec $FLEXILIB_CMD" </dev/null >/dev/null 2>"$errfile" &
  else
    PORT=$port LISTEN_ADDRESS=127.0.0.1 \
      "$repo/bin/flexilib" serve --config "$workdir/proxy.ini" </dev/null >/dev/null 2>"$errfile" &
  fi
  LAUNCHED_PID=$!
}

wait_ready() {
  # wait_ready NAME PID PORT LOGS...: waits until GET /hello on 127.0.0.1:PORT
  # answers 200; fails if process PID dies first or START_TIMEOUT seconds
  # pass, showing the LOGS.
  local name=$1 pid=$2 port=$3 deadline=$((SECONDS + START_TIMEOUT)) code
  shift 3
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/hello" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$pid" 2>/dev/null && [ -z "$(listener_pids "$port")" ]; then
      show_logs "$@"
      die "$name exited before answering on 127.0.0.1:$port."
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs "$@"
      die "$name did not answer 200 on 127.0.0.1:$port within ${START_TIMEOUT}s (last HTTP status: ${code:-none})."
    fi
    sleep 0.1
  done
}

start_nginx() {
  launch_nginx "$workdir/nginx" "$nginx_port"
  nginx_pid=$LAUNCHED_PID
  wait_ready nginx "$nginx_pid" "$nginx_port" "$workdir/nginx/stderr.log" "$workdir/nginx/error.log"
  log "bench: nginx is up on 127.0.0.1:$nginx_port"
}

start_flexilib() {
  local pid
  launch_flexilib "$flexilib_port" "$workdir/flexilib.stderr.log"
  flexilib_pid=$LAUNCHED_PID
  wait_ready flexilib "$flexilib_pid" "$flexilib_port" "$workdir/flexilib.stderr.log"
  # Remember listeners outside the started tree (a command that daemonized)
  # so cleanup stops them too.
  for pid in $(listener_pids "$flexilib_port"); do extra_pids+=("$pid"); done
  log "bench: flexilib is up on 127.0.0.1:$flexilib_port"
}

check_scenario() {
  # check_scenario SCENARIO NAME PORT: one request as wrk will send it; dies
  # unless it is a 200, warns when the body is not the one expected (the
  # comparison would not be fair, but the numbers may still be of interest).
  local s=$1 name=$2 port=$3 out=$workdir/check-$1-$2.body code args=()
  scenario "$s"
  if [ "$S_POST" -gt 0 ]; then
    head -c "$S_POST" /dev/zero | tr '\0' x >"$workdir/post-$S_POST.bin"
    args=(-H "Content-Type: $S_TYPE" --data-binary "@$workdir/post-$S_POST.bin")
  fi
  code=$(curl -s -o "$out" -w '%{http_code}' --max-time 10 "${args[@]}" "http://127.0.0.1:$port$S_PATH" || true)
  [ "$code" = 200 ] || die "$name answers ${code:-nothing} to $S_PATH ($s), not 200; see $workdir for its logs."
  if [ "$(wc -c <"$out")" -ne "$S_LEN" ] || { [ -n "$S_BODY" ] && [ "$(cat "$out")" != "$S_BODY" ]; }; then
    log "bench: warning: $name's body for $s is $(wc -c <"$out") bytes ('$(head -c 40 "$out")'), not the $S_LEN expected"
  fi
}
