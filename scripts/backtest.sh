#!/usr/bin/env bash
# `make backtest EVENTS=file.csv`: back-test early warning on an events file, on a database of
# its own that holds what the back-test reads: the council register, the signal types, similar
# councils and the six English finance datasets. The database is built afresh each time (about
# a minute), then `backtest_risk --events FILE` runs with any further arguments
# (`ARGS="--horizon-months 24 --json"`). docs/method/risk-backtesting.md explains the report.
#
# Settings (environment): DATABASE_URL names the PostgreSQL server (its own database is not
# touched); BACKTEST_DB is the database to build, default portal_backtest, dropped first;
# PYTHON is the interpreter, default .venv/bin/python.
set -euo pipefail
events=${1:?Give an events file: make backtest EVENTS=file.csv}
shift
[ -r "$events" ] || { echo "Cannot read the events file $events." >&2; exit 2; }
events=$(realpath "$events")
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
db=${BACKTEST_DB:-portal_backtest}
server=${DATABASE_URL%/*}
log() { printf '[backtest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building database $db"
$PY - "$server" "$db" <<'PY'
import sys

import psycopg
from psycopg import sql

with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True) as conn:
    name = sql.Identifier(sys.argv[2])
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
PY
export DATABASE_URL="$server/$db"
$PY manage.py migrate -v0
for step in load_councils load_signal_types "similar_councils --compute"; do
  $PY manage.py $step >/dev/null
done
for dataset in england-rs england-spending-power england-borrowing england-capital \
  england-commercial england-budget; do
  log "importing $dataset"
  $PY manage.py import_dataset "$dataset" >/dev/null
done
log "back-testing $(basename "$events")"
$PY manage.py backtest_risk --events "$events" "$@"
