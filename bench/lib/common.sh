# Helpers shared by bench/run.sh and its parts: logging, processes, memory,
# ports, tool installation, small statistics. Sourced, not run.
# shellcheck shell=bash

NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

show_logs() {
  # Prints the last lines of each non-empty file given, to help say why a
  # server failed.
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then log "--- last lines of $f:"; tail -n 20 "$f" >&2; fi
  done
  return 0
}

# ---------------------------------------------------------------- processes

descendants() {
  # Prints every descendant pid of $1, depth first.
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

rss_kb() {  # PID: resident kB of the process and its descendants
  local total=0 pid
  for pid in $1 $(descendants "$1"); do
    total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

listener_pids() {
  # Prints the pids of the processes that hold a listening socket on port $1.
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un || true
}

process_tree() {
  # Prints $1 (if alive), its descendants, and whatever listens on port $2 with
  # their descendants: covers a wrapper that execs java, one that runs it as a
  # child, and one that daemonizes.
  local root=$1 port=$2 pid
  {
    if [ -n "$root" ] && kill -0 "$root" 2>/dev/null; then
      echo "$root"
      descendants "$root"
    fi
    if [ -n "$port" ]; then
      for pid in $(listener_pids "$port"); do
        echo "$pid"
        descendants "$pid"
      done
    fi
  } | sort -un
}

kill_tree() {
  # Stops $1 and everything under it (and any listener on port $2): TERM first
  # so servers shut down cleanly, KILL whatever is left after 5 s.
  local root=$1 port=$2 pids
  pids=$(process_tree "$root" "$port")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    pids=$(for p in $pids; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
    [ -n "$pids" ] || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  wait "$root" 2>/dev/null || true
}

# ---------------------------------------------------------------- memory

java_pids_in() {
  # Of the pids given as arguments, prints those whose program is java.
  local pid
  for pid in "$@"; do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = java ] && echo "$pid"
  done
  return 0
}

flexilib_roles() {
  # flexilib_roles ROOT PORT: prints two lines, the serving pids and the
  # supervisor pids of a flexilib started as ROOT listening on PORT (either
  # line may be empty). The serving JVM is the child the supervisor starts
  # with --inherited-socket, and the supervisor is ROOT itself (bin/flexilib
  # execs it); without such a child (--no-supervisor, or another build)
  # every java process serves; without any java (FLEXILIB_CMD running
  # something else) the whole process tree does.
  local tree jpids pid cmdline serving="" supervisor=""
  tree=$(process_tree "$1" "$2")
  # shellcheck disable=SC2086
  jpids=$(java_pids_in $tree)
  for pid in $jpids; do
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    if [[ "$cmdline" == *" --inherited-socket "* ]]; then
      serving="$serving $pid"
    fi
  done
  if [ -n "$serving" ]; then
    supervisor=$1
  elif [ -n "$jpids" ]; then
    serving=$jpids
  else
    serving=$tree
  fi
  # One line each, the pids a space apart.
  # shellcheck disable=SC2086
  echo $serving
  # shellcheck disable=SC2086
  echo $supervisor
}

# ---------------------------------------------------------------- setup

install_tools() {
  # Installs from Debian what is missing; apt-get update only if needed.
  local missing=()
  [ -x "$NGINX_BIN" ] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v pgrep >/dev/null || missing+=(procps)
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing ${missing[*]}: run as root, or install them with apt-get."
    sudo=(sudo)
  fi
  log "bench: installing ${missing[*]} from Debian packages"
  # Keep the nginx package from starting its own service on port 80: this
  # benchmark runs private instances only.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
    policy_rc_created=1
  fi
  if ! "${sudo[@]}" apt-get update -qq >&2 ||
     ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2; then
    die "could not install ${missing[*]} with apt-get (is a Debian mirror reachable?)."
  fi
  if [ -n "${policy_rc_created:-}" ]; then
    "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
    policy_rc_created=""
  fi
  [ -x "$NGINX_BIN" ] || die "apt-get installed nginx but $NGINX_BIN is missing."
  command -v wrk >/dev/null || die "apt-get installed wrk but it is not on PATH."
}

free_ports() {
  # free_ports N: prints N distinct free TCP ports on 127.0.0.1. All sockets
  # stay bound until all are known, so they differ.
  local n=${1:-1}
  if command -v python3 >/dev/null; then
    python3 - "$n" <<'EOF' && return 0
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
  fi
  # Fallback without python: consecutive random ports that ss shows unused.
  local a i ok
  while :; do
    a=$((20000 + RANDOM % 10000)); ok=1
    for ((i = 0; i < n; i++)); do
      [ -z "$(ss -Hltn "sport = :$((a + i))")" ] || { ok=""; break; }
    done
    [ -n "$ok" ] && { seq -s ' ' "$a" $((a + n - 1)); return 0; }
  done
}

# ---------------------------------------------------------------- numbers

median() {
  # Prints the median of its numeric arguments ("nan" for none).
  printf '%s\n' "$@" | sort -g | awk 'NF { v[++n] = $1 } END {
    if (n == 0) { print "nan"; exit }
    if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2
  }'
}

min_max() {
  # Prints "min-max" of its numeric arguments, with printf format $1 (e.g. %.0f).
  local fmt=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v f="$fmt" 'NF { if (!n++) lo = $1; hi = $1 }
    END { if (n) printf f "-" f, lo, hi; else printf "nan" }'
}

to_ms() {
  # wrk prints latencies as 812.00us, 1.20ms, 2.01s or 1.50m.
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) { print "nan"; exit }
    printf "%.3f", n * f
  }'
}
