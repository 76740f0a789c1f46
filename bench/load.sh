#!/usr/bin/env bash
# Load run: wrk against Alcove's /healthz over HTTPS (TLS 1.3, keep-alive), and, in the
# same run, against nginx serving the same bytes over TLS 1.3 with the same headers on
# the same machine. Prints both rates and Alcove's as a ratio of nginx's.
#
#   bench/load.sh [BUILD_DIR]      (make load)
#
# Loopback only; every run is bounded (LOAD_SECONDS each, default 10; LOAD_ROUNDS
# alternating rounds, default 2), and everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${LOAD_SECONDS:-10}
rounds=${LOAD_ROUNDS:-2}
threads=${LOAD_THREADS:-2}
conns=${LOAD_CONNECTIONS:-50}

scripts/setup bench >/dev/null

work=$(mktemp -d)
alcove_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$alcove_pid" ]] && kill "$alcove_pid" 2>/dev/null || true
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

"$build/alcove" init --data-dir "$work/data" >/dev/null
"$build/alcove" serve --data-dir "$work/data" --https-port 0 --http-port 0 \
  >"$work/alcove.out" 2>"$work/alcove.log" &
alcove_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening' "$work/alcove.out" 2>/dev/null && break
  sleep 0.1
done
alcove_port=$(sed -n 's/^listening https=\([0-9]*\).*/\1/p' "$work/alcove.out")
[[ -n "$alcove_port" ]] || { echo "alcove did not start"; cat "$work/alcove.log"; exit 1; }

nginx_port=$(free_port)
mkdir -p "$work/nginx/www" "$work/nginx/tmp"
printf '{"status":"ok"}' >"$work/nginx/www/healthz"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
user root;
events { worker_connections 1024; }
http {
  # Both servers log every request (Alcove to its buffered stderr, nginx to a file).
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/data/tls/cert.pem;
    ssl_certificate_key $work/data/tls/key.pem;
    ssl_protocols TLSv1.3;
    root $work/nginx/www;
    default_type application/json;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
    add_header Content-Security-Policy "default-src 'none'" always;
    add_header X-Frame-Options DENY always;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy no-referrer always;
    add_header Cache-Control no-store always;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
sleep 0.5

rate() {  # URL -> requests per second
  wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 5s "$1" | awk '/^Requests\/sec:/ {print $2}'
}

echo "wrk -t$threads -c$conns -d${seconds}s, keep-alive, TLS 1.3, $(nproc) cores, $rounds rounds"
alcove_total=0
nginx_total=0
for r in $(seq 1 "$rounds"); do
  a=$(rate "https://127.0.0.1:$alcove_port/healthz")
  n=$(rate "https://127.0.0.1:$nginx_port/healthz")
  printf 'round %d: alcove %10.0f req/s   nginx %10.0f req/s\n' "$r" "$a" "$n"
  alcove_total=$(awk -v t="$alcove_total" -v a="$a" 'BEGIN{print t+a}')
  nginx_total=$(awk -v t="$nginx_total" -v n="$n" 'BEGIN{print t+n}')
done
awk -v a="$alcove_total" -v n="$nginx_total" -v r="$rounds" 'BEGIN{
  printf "mean:    alcove %10.0f req/s   nginx %10.0f req/s   ratio %.2f\n", a/r, n/r, a/n }'
