#!/usr/bin/env bash
# Run a command with a real PostgreSQL and Redis, starting throwaway ones if none answers.
#
# Order of preference for each: the URL already in the environment (DATABASE_URL, REDIS_URL);
# a server answering on the standard local port; a throwaway server under a temporary folder,
# stopped again when the command ends. Missing server binaries are installed from the OS
# packages (root only).
set -euo pipefail

work=$(mktemp -d /tmp/portal-services.XXXXXX)
started_pg=""
started_redis=""
cleanup() {
  if [ -n "$started_pg" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "$started_redis" ]; then
    redis-cli -p "$started_redis" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "Cannot install $* without root. Install it, or set the service URL." >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${DATABASE_URL:-}" ]; then
  if port_open 5432; then
    user=postgres
    [ "$(id -u)" = 0 ] && psql -h 127.0.0.1 -U root -d postgres -c 'select 1' >/dev/null 2>&1 && user=root
    export DATABASE_URL="postgres://$user@127.0.0.1:5432/postgres"
  else
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pg_bin" ]; then apt_install postgresql; pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
    port=$(free_port)
    chmod 755 "$work"
    mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
    as_postgres "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
      -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    started_pg=$port
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "Started a throwaway PostgreSQL on port $port."
  fi
fi

if [ -z "${REDIS_URL:-}" ]; then
  if port_open 6379; then
    export REDIS_URL="redis://127.0.0.1:6379/0"
  else
    command -v redis-server >/dev/null || apt_install redis-server
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$work" --daemonize yes --logfile "$work/redis.log" >/dev/null
    for _ in $(seq 50); do port_open "$port" && break; sleep 0.1; done
    started_redis=$port
    export REDIS_URL="redis://127.0.0.1:$port/0"
    echo "Started a throwaway Redis on port $port."
  fi
fi

"$@"
