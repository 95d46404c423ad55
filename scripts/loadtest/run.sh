#!/usr/bin/env bash
# `make loadtest`: seed a PostgreSQL database of its own, serve it with gunicorn on 127.0.0.1,
# run locust headless at each number of users, and print p50/p95, requests and failures per
# page with each page's SQL query count. A benchmark, not a test: it always exits 0 once the
# runs are done; the table says what failed. BENCHMARKS.md ("Load") explains the figures.
#
# Settings (environment):
#   LOADTEST_DATASET  seeded (default): the real data `make seed` loads, in database `loadtest`;
#                     bench: the same, added to the 8M-value synthetic dataset that
#                     `python -m scripts.bench values --keep-db` leaves in database `portal_bench_load`
#                     (built first if missing: about 10 minutes and 12 GB of memory)
#   LOADTEST_PG       the server, default postgres://postgres@127.0.0.1:5432
#   LOADTEST_REDIS    the cache, default redis://127.0.0.1:6379/15
#   LOADTEST_USERS    default "20 50"; LOADTEST_TIME default 60s; LOADTEST_WORKERS default 3
#   LOADTEST_SEED     1 (default) runs the seed commands (safe to rerun); 0 reuses the data
#   LOADTEST_OUT      where the CSVs and JSON go, default a new /tmp/portal-loadtest.* folder
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=.venv/bin/python
LOCUST=.venv-load/bin/locust
dataset=${LOADTEST_DATASET:-seeded}
case "$dataset" in
  seeded) db=loadtest ;;
  bench) db=portal_bench_load ;;
  *) echo "LOADTEST_DATASET is seeded or bench, not $dataset." >&2; exit 2 ;;
esac
server=${LOADTEST_PG:-postgres://postgres@127.0.0.1:5432}
users=${LOADTEST_USERS:-20 50}
duration=${LOADTEST_TIME:-60s}
workers=${LOADTEST_WORKERS:-3}
out=${LOADTEST_OUT:-$(mktemp -d /tmp/portal-loadtest.XXXXXX)}
mkdir -p "$out"

export DATABASE_URL="$server/$db"
export REDIS_URL=${LOADTEST_REDIS:-redis://127.0.0.1:6379/15}
export SECRET_KEY=loadtest-only-secret STATIC_MANIFEST=false ALLOWED_HOSTS=127.0.0.1,localhost
export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false CELERY_TASK_ALWAYS_EAGER=true
log() { printf '[loadtest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

exists=$($PY - "$server" "$db" <<'PY'
import sys, psycopg
with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True) as conn:
    print(int(bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone())))
PY
)
if [ "$exists" = 0 ]; then
  if [ "$dataset" = bench ]; then
    log "building the 8M-value dataset in $db (scripts.bench values --keep-db)"
    DEBUG=false DATABASE_URL="$server/postgres" $PY -m scripts.bench values --keep-db --database "$db" \
      >"$out/bench.json" 2>"$out/bench.log"
  else
    log "creating database $db"
    $PY -c "import sys, psycopg; psycopg.connect(sys.argv[1], autocommit=True).execute('CREATE DATABASE \"$db\"')" \
      "$server/postgres"
  fi
fi

if [ "${LOADTEST_SEED:-1}" = 1 ]; then
  # `make seed` itself, on this database (DATABASE_URL is exported above).
  log "seed: make seed"
  make --no-print-directory seed >>"$out/seed.log" 2>&1
  # What autovacuum would have done by the time real readers arrive (it may be off here):
  # planner statistics, and the visibility map that lets reads come from an index alone.
  log "seed: VACUUM ANALYZE"
  $PY -c "import sys, psycopg; psycopg.connect(sys.argv[1], autocommit=True).execute('VACUUM ANALYZE')" \
    "$DATABASE_URL"
fi

export DEBUG=false DJANGO_SETTINGS_MODULE=loadtest_settings PYTHONPATH="scripts/loadtest:."
log "choosing pages and counting their queries"
$PY -W ignore scripts/loadtest/query_counts.py "$out" 2>"$out/query_counts.log"

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "gunicorn: $workers workers on 127.0.0.1:$port"
PYTHONWARNINGS="ignore:No directory at" .venv/bin/gunicorn selfreg.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
  --timeout 60 --error-logfile "$out/gunicorn.log" &
gunicorn_pid=$!
trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.5
done
# One request per page before measuring, so each worker's first-request set-up is not timed.
$PY - "$port" "$out/targets.json" <<'PY'
import json, sys, urllib.request
from pages import pages
for page in pages(json.load(open(sys.argv[2]))):
    if page["role"] == "anonymous":
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{page['path']}").read()
PY

export LOADTEST_TARGETS="$out/targets.json"
for n in $users; do
  log "locust: $n users for $duration (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # locust exits 1 when any request failed; the table reports failures, so carry on.
  $LOCUST -f scripts/loadtest/locustfile.py --headless -u "$n" -r 10 -t "$duration" \
    --host "http://127.0.0.1:$port" --csv "$out/u$n" --only-summary \
    >"$out/locust-u$n.log" 2>&1 || true
done

kill "$gunicorn_pid" && wait "$gunicorn_pid" 2>/dev/null || true
trap - EXIT
log "results in $out"
.venv-load/bin/python scripts/loadtest/report.py "$out" $users
