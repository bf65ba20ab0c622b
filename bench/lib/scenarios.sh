# The benchmark's scenarios, the flexilib routes and the nginx config that
# serve them. Sourced by bench/run.sh and bench/nginx-as-flexilib.sh.
# shellcheck shell=bash

ALL_SCENARIOS="hello-native hello-native-workers hello-java echo-1k echo-64k"

scenario() {
  # scenario NAME: sets, for that scenario,
  #   S_PATH   the request path (the same on both servers)
  #   S_POST   bytes of the POST body wrk sends (0: a GET)
  #   S_LEN    bytes of the response body both servers must send
  #   S_BODY   that body when it is a fixed text (the hello scenarios)
  #   S_TYPE   the content-type both send
  #   S_WHAT   what answers on each side, for the report
  # Returns 1 for an unknown name.
  case $1 in
    hello-native)
      S_PATH=/hello S_POST=0 S_BODY="Hello, World!" S_TYPE=text/plain
      S_WHAT='flexilib: native plugin `libhello.so`; nginx: `return 200` with the same 13-byte body' ;;
    hello-native-workers)
      S_PATH=/hello-workers S_POST=0 S_BODY="Hello, World!" S_TYPE=text/plain
      S_WHAT='flexilib: the same hello built without `flexilib_nonblocking` (`libhello-workers.so`), on the native workers as FlexiLib runs it; nginx: the same body' ;;
    hello-java)
      # examples/java/hello's HelloHandler answers at any path; without a
      # ?name= it greets the world, as text/plain; charset=utf-8.
      S_PATH=/java/hello S_POST=0 S_BODY="Hello from Java, world!" S_TYPE="text/plain; charset=utf-8"
      S_WHAT='flexilib: Java plugin `hello.jar`; nginx: `return 200` with the same 23-byte body and content-type' ;;
    echo-1k | echo-64k)
      if [ "$1" = echo-1k ]; then S_POST=1024; else S_POST=65536; fi
      S_PATH=/echo/${1#echo-} S_BODY="" S_TYPE=application/octet-stream
      S_WHAT="POST of $S_POST bytes; flexilib: native plugin \`libecho.so\` sends them back; nginx cannot echo, so it reads (discards) the same POST and answers \`return 200\` with a fixed body of the same size" ;;
    *) return 1 ;;
  esac
  if [ "$S_POST" -gt 0 ]; then S_LEN=$S_POST; else S_LEN=${#S_BODY}; fi
}

write_proxy_ini() {
  # write_proxy_ini FILE REPO: the flexilib routes for every scenario.
  cat >"$1" <<EOF
/hello = $2/examples/native/build/libhello.so
/hello-workers = $2/examples/native/build/libhello-workers.so
/java/hello = $2/examples/java/hello/target/hello.jar
/echo = $2/examples/native/build/libecho.so
EOF
}

write_nginx_conf() {
  # write_nginx_conf DIR PORT: DIR/nginx.conf answering every scenario on
  # 127.0.0.1:PORT; everything nginx writes stays in DIR.
  local dir=$1 port=$2 s locations="" kb body i
  mkdir -p "$dir/tmp"
  # nginx reads a config token of at most a few kB, so the echo bodies are a
  # 1 kB variable repeated; "return" sends them without touching a file.
  kb=$(printf 'x%.0s' $(seq 1024))
  for s in $ALL_SCENARIOS; do
    scenario "$s"
    if [ -n "$S_BODY" ]; then
      body="return 200 \"$S_BODY\";"
    else
      body="set \$kb \"$kb\"; return 200 \""
      for ((i = 0; i < S_LEN / 1024; i++)); do body+='$kb'; done
      body+='";'
    fi
    locations+="
        location = $S_PATH {
            default_type \"$S_TYPE\";
            $body
        }"
  done
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
error_log $dir/error.log warn;
pid $dir/nginx.pid;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    server {
        listen 127.0.0.1:$port;$locations
    }
}
EOF
}
