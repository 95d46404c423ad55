"""`make backtest`: the back-test of an events file, on a database the script builds itself
from the shipped English finance files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_script_builds_its_database_and_back_tests_an_events_file(tmp_path):
    """The shipped section 114 notices at 24 months, on the real finance returns: the figures
    docs/method/risk-backtesting.md reports ("Each finance figure counted once"). A file that
    cannot be read stops the script before any database is touched."""
    server = "postgres://{USER}@{HOST}:{PORT}".format(**connection.settings_dict)
    database = f"portal_backtest_test_{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}/postgres",
        "BACKTEST_DB": database,
        "PYTHON": sys.executable,
    }
    events = ROOT / "data" / "events" / "england_section114_notices_2018_2023.csv"
    script = [str(ROOT / "scripts" / "backtest.sh")]
    try:
        done = subprocess.run(
            [*script, str(events), "--horizon-months", "24", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        (result,) = json.loads(done.stdout)
        assert (result["events"], result["flagged_in_time"]) == (8, 3)
        assert (result["false_alarms"], result["councils_assessed"]) == (21, 430)
        first = {(e["gss_code"], e["event_date"]): e["first_flagged"] for e in result["per_event"]}
        assert first[("E09000008", "2020-11-11")] == "2019-02-28"  # Croydon
        assert first[("E10000021", "2018-02-02")] is None  # Northamptonshire, held at watch
        missing = subprocess.run(
            [*script, str(tmp_path / "absent.csv")], env=env, capture_output=True, text=True
        )
        assert missing.returncode == 2
        assert "Cannot read the events file" in missing.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
