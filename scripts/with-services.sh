#!/usr/bin/env bash
# Run a command against real PostgreSQL and Redis servers started just for it.
#
#   scripts/with-services.sh pytest
#
# Starts PostgreSQL and Redis (the Debian packages `postgresql` and `redis-server`, which
# `make deps` installs) in a throwaway directory on free loopback ports, runs the command with
#   DATABASE_URL=postgres://postgres@127.0.0.1:<port>/locallibrary
#   DJANGO_SESSION_ENGINE=cached_db  REDIS_URL=redis://127.0.0.1:<port>/0
# and stops both servers afterwards, whatever the command's outcome (its exit code is kept).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

say() { echo "with-services: $*" >&2; }

postgres_bin() {
    # Debian keeps the server programs (initdb, pg_ctl) off PATH, in the version's bin folder.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PG_BIN=$(postgres_bin)
if [ -z "$PG_BIN" ] || ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    say "PostgreSQL or Redis is not installed: run \`make deps\` (or scripts/install-deps.sh)"
    exit 1
fi

WORK_DIR=$(mktemp -d -t locallibrary-services.XXXXXX)
# initdb and postgres refuse to run as root: as root, they run as the `postgres` user.
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$WORK_DIR"
    AS_PG=(runuser -u postgres --)
fi
PG_DATA="$WORK_DIR/postgres"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
while [ "$REDIS_PORT" = "$PG_PORT" ]; do REDIS_PORT=$(free_port); done

stop_services() {
    local status=$?
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -f "$WORK_DIR/redis.pid" ]; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 \
            || kill "$(cat "$WORK_DIR/redis.pid")" 2>/dev/null || true
    fi
    rm -rf "$WORK_DIR"
    exit "$status"
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL: a throwaway cluster, loopback only, no durability (nothing here is kept).
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$WORK_DIR/initdb.log" 2>&1 \
    || { cat "$WORK_DIR/initdb.log" >&2; exit 1; }
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK_DIR/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $WORK_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
    || { cat "$WORK_DIR/postgres.log" >&2; exit 1; }
"${AS_PG[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres locallibrary

# Redis: in memory only, loopback only.
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$WORK_DIR" --daemonize yes --pidfile "$WORK_DIR/redis.pid" \
    --logfile "$WORK_DIR/redis.log"
for _ in $(seq 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] \
    || { cat "$WORK_DIR/redis.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/locallibrary"
export DJANGO_SESSION_ENGINE=cached_db
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
say "PostgreSQL $(basename "$(dirname "$PG_BIN")") on port $PG_PORT," \
    "Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on port $REDIS_PORT"
"$@"
