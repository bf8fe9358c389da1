#!/usr/bin/env bash
# The whole Qibu set on one machine, on loopback ports, then a smoke test, then stop.
#
#   QIBU_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/qibu_local deploy/run-local.sh
#
# Starts: Redis (its own on BASE+9, unless QIBU_REDIS_URL names one that answers), two
# gunicorn web processes (gunicorn.conf.py) on 127.0.0.1:BASE+1 and BASE+2, one
# `qibu worker`, and nginx on BASE in front of both when `nginx` is installed (else the
# smoke test talks to the web processes directly). The database is migrated and the
# reference and demo data loaded when it is empty: use a scratch database. Then
# deploy/smoke.py: /healthz through each, log in as the demo organizer, plan the demo fair
# as a job run by the worker, see it done. Everything started is stopped on exit.
#
# Environment: QIBU_DATABASE_URL (required, PostgreSQL); QIBU_REDIS_URL (optional);
# QIBU_SECRET_KEY / QIBU_DATA_KEY (random when unset: give the keys an existing database
# was written with); QIBU_LOCAL_PORT (BASE, default 18080); QIBU_WORKERS (gunicorn workers
# per web process, default 1 here); QIBU_LOCAL_NGINX=0 skips nginx even when installed;
# QIBU_VENV (default .venv). Exit status: the smoke test's (0 passed), 2 when the set
# could not start. Logs are printed when something fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${QIBU_VENV:-$ROOT/.venv}/bin"
: "${QIBU_DATABASE_URL:?set QIBU_DATABASE_URL to a scratch PostgreSQL database}"
BASE="${QIBU_LOCAL_PORT:-18080}"
NGINX_PORT="$BASE"
WEB_PORTS=("$((BASE + 1))" "$((BASE + 2))")
REDIS_PORT="$((BASE + 9))"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/qibu-local.XXXXXX")"
PIDS=()
FAILED=1

log() { printf '[run-local] %s\n' "$*"; }

stop_all() {
    local pid
    # TERM: gunicorn, nginx and Redis stop; RQ's worker begins a warm shut-down (a job
    # under way finishes), a second TERM makes it stop at once; KILL what is left
    local signal
    for signal in TERM TERM KILL; do
        local alive=0
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && { alive=1; kill "-$signal" "$pid" 2>/dev/null || true; }
        done
        [ "$alive" = 0 ] && break
        for _ in $(seq 1 25); do
            alive=0
            for pid in "${PIDS[@]}"; do
                kill -0 "$pid" 2>/dev/null && alive=1
            done
            [ "$alive" = 0 ] && break
            sleep 0.2
        done
    done
    wait 2>/dev/null || true
    if [ "$FAILED" != 0 ]; then
        for file in "$RUN_DIR"/*.log; do
            [ -s "$file" ] || continue
            printf '\n----- %s (last 40 lines) -----\n' "$(basename "$file")"
            tail -n 40 "$file"
        done
    fi
    rm -rf "$RUN_DIR"
    log "stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Answers when GET $1 gives 200 within $2 seconds (gunicorn workers import the matcher first).
wait_for() {
    local url="$1" seconds="$2"
    "$BIN/python" - "$url" "$seconds" <<'EOF'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(1)
EOF
}

redis_answers() {
    "$BIN/python" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()' \
        "$1" 2>/dev/null
}

# The production configuration, on plain HTTP over loopback.
export QIBU_ENV=production
export QIBU_SECURE_COOKIES=0
export QIBU_SECRET_KEY="${QIBU_SECRET_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}"
export QIBU_DATA_KEY="${QIBU_DATA_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}"
export QIBU_WORKERS="${QIBU_WORKERS:-1}"
export QIBU_CACHE_DIR="$RUN_DIR/cache"
export QIBU_IMPORT_DIR="$RUN_DIR/imports"
export QIBU_JOBS_QUEUE="qibu-local-$$"
cd "$ROOT"

if [ -n "${QIBU_REDIS_URL:-}" ] && redis_answers "$QIBU_REDIS_URL"; then
    log "Redis: $QIBU_REDIS_URL"
else
    command -v redis-server >/dev/null || { log "no Redis: set QIBU_REDIS_URL or install redis-server"; exit 2; }
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        > "$RUN_DIR/redis.log" 2>&1 &
    PIDS+=("$!")
    export QIBU_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    for _ in $(seq 1 50); do redis_answers "$QIBU_REDIS_URL" && break; sleep 0.1; done
    redis_answers "$QIBU_REDIS_URL" || { log "Redis did not start"; exit 2; }
    log "Redis: started on 127.0.0.1:$REDIS_PORT"
fi

log "database: migrate, reference data, demo data when empty"
{
    "$BIN/qibu" db upgrade
    "$BIN/qibu" seed-reference
    "$BIN/qibu" seed-demo --if-empty
} > "$RUN_DIR/setup.log" 2>&1 || { log "database setup failed"; exit 2; }

for port in "${WEB_PORTS[@]}"; do
    "$BIN/gunicorn" --config "$ROOT/gunicorn.conf.py" --bind "127.0.0.1:$port" \
        --access-logfile "$RUN_DIR/web-$port-access.log" --error-logfile "$RUN_DIR/web-$port.log" \
        'app:create_app()' &
    PIDS+=("$!")
done
"$BIN/qibu" worker > "$RUN_DIR/worker.log" 2>&1 &
PIDS+=("$!")

URLS=()
STATIC=()
if [ "${QIBU_LOCAL_NGINX:-1}" != 0 ] && command -v nginx >/dev/null; then
    mkdir -p "$RUN_DIR/nginx"
    chmod 755 "$RUN_DIR" "$RUN_DIR/nginx"
    {
        [ "$(id -u)" = 0 ] && echo "user $(id -un) $(id -gn);"
        cat <<EOF
worker_processes 1;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx.log;
daemon off;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $RUN_DIR/nginx-access.log;
    client_body_temp_path $RUN_DIR/nginx/body;
    proxy_temp_path $RUN_DIR/nginx/proxy;
    fastcgi_temp_path $RUN_DIR/nginx/fastcgi;
    uwsgi_temp_path $RUN_DIR/nginx/uwsgi;
    scgi_temp_path $RUN_DIR/nginx/scgi;
    upstream qibu_web {
        server 127.0.0.1:${WEB_PORTS[0]};
        server 127.0.0.1:${WEB_PORTS[1]};
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        server_name localhost;
        # as deploy/nginx/qibu.conf, without TLS
        include $ROOT/deploy/nginx/qibu-locations.conf;
        location /static/ {
            alias $ROOT/app/static/;
            expires 7d;
            add_header Cache-Control "public" always;
            access_log off;
        }
    }
}
EOF
    } > "$RUN_DIR/nginx/nginx.conf"
    nginx -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx.log" -c "$RUN_DIR/nginx/nginx.conf" &
    PIDS+=("$!")
    URLS+=("http://127.0.0.1:$NGINX_PORT")
    STATIC+=(--static)
    log "nginx: 127.0.0.1:$NGINX_PORT in front of both web processes"
else
    log "nginx: not installed (or QIBU_LOCAL_NGINX=0); the smoke test talks to gunicorn directly"
fi
for port in "${WEB_PORTS[@]}"; do
    URLS+=("http://127.0.0.1:$port")
done

# the web processes first: nginx would count one still starting as down for 10 s
for url in "${URLS[@]: -2}" "${URLS[0]}"; do
    wait_for "$url/healthz" 90 || { log "$url did not answer /healthz"; exit 2; }
done
log "all up: ${URLS[*]}, worker on queue $QIBU_JOBS_QUEUE"

set +e
"$BIN/python" "$ROOT/deploy/smoke.py" "${STATIC[@]}" "${URLS[@]}"
FAILED=$?
set -e
exit "$FAILED"
