"""The seed's SQLite settings: on for the seed, back as they were after it, on a real SQLite
file (the suite's own database is PostgreSQL, where they do nothing)."""

import pytest
from django.db.utils import ConnectionHandler

from selfreg.sqlite import LOADING_PRAGMAS, loading_pragmas, pragmas_read

NAMES = [*LOADING_PRAGMAS, "journal_mode"]


@pytest.fixture
def sqlite(tmp_path, django_db_blocker):
    # Its own handler and file, not the suite's database, which the blocker guards.
    django_db_blocker.unblock()
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.db")}}
    )
    connection = handler["default"]
    yield connection
    connection.close()
    django_db_blocker.restore()


def settings_of(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        return pragmas_read(cursor, NAMES)


def test_loading_settings_hold_in_the_block_and_go_after_it(sqlite):
    """Inside the block commits do not wait for the disk and the page cache is 128 MB; after
    it the connection has SQLite's own settings again, and the journal was never changed."""
    before = settings_of(sqlite)
    assert before["synchronous"] == "2"  # FULL, SQLite's default
    with loading_pragmas(sqlite):
        inside = settings_of(sqlite)
        with sqlite.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
    assert inside == {
        "synchronous": "0",
        "cache_size": "-131072",
        "temp_store": "2",
        "journal_mode": before["journal_mode"],
    }
    assert settings_of(sqlite) == before
    with sqlite.cursor() as cursor:
        cursor.execute("SELECT n FROM t")
        assert cursor.fetchall() == [(1,)]


def test_settings_come_back_when_the_seed_fails(sqlite):
    """A step that raises inside the block still leaves the connection as it was."""
    before = settings_of(sqlite)
    with pytest.raises(RuntimeError), loading_pragmas(sqlite):
        raise RuntimeError("a step failed")
    assert settings_of(sqlite) == before


def test_a_connection_opened_in_the_block_gets_the_loading_settings(sqlite):
    """If Django replaces the connection during the seed, the new one loads quickly too; the
    one open when the block ends gets its own settings back."""
    before = settings_of(sqlite)
    with loading_pragmas(sqlite):
        sqlite.close()
        reopened = settings_of(sqlite)
    assert reopened["synchronous"] == "0"
    assert reopened["cache_size"] == "-131072"
    assert settings_of(sqlite) == before


def test_statistics_written_on_sqlite_read_back_as_computed(sqlite):
    """The recompute's SQLite write (one INSERT run over every row) stores each group's
    statistics, its sorted values and councils, an empty statistic as NULL and one time."""
    import numpy as np
    import pandas as pd
    from django.db import connections

    from benchmarking.models import ComparisonStatistic, Metric
    from benchmarking.recompute import _insert_statistics

    suite = connections["default"]
    connections["default"] = sqlite  # the recompute writes through Django's default connection
    try:
        with sqlite.schema_editor() as editor:
            editor.create_model(Metric)
            editor.create_model(ComparisonStatistic)
        # bulk_create: no history row, whose table (and its user's) this file does not hold.
        (metric,) = Metric.objects.bulk_create([Metric(code="m1", title="A measure")])
        stored = pd.DataFrame(
            {
                "metric": [metric.pk, metric.pk],
                "period": ["2019-20", "2019-20"],
                "group": ["all", "type:UA"],
                "n": [3, 1],
                "median": [2.0, 5.5],
                "lower_quartile": [1.5, np.nan],
                "upper_quartile": [2.5, np.nan],
                "mean": [2.0, 5.5],
                "min": [1.0, 5.5],
                "max": [3.0, 5.5],
                "values": [np.array([1.0, 2.0, 3.0]), np.array([5.5])],
                "councils": [np.array([7, 3, 9]), np.array([4])],
            }
        )
        assert _insert_statistics("public", stored) == 2
        rows = {s.group: s for s in ComparisonStatistic.objects.order_by("group")}
    finally:
        connections["default"] = suite
    assert rows["all"].values_in_order().tolist() == [1.0, 2.0, 3.0]
    assert rows["all"].councils_in_order().tolist() == [7, 3, 9]
    assert (rows["all"].n, rows["all"].lower_quartile, rows["all"].max) == (3, 1.5, 3.0)
    assert rows["type:UA"].lower_quartile is None
    assert rows["type:UA"].audience == "public"
    assert rows["all"].computed_at == rows["type:UA"].computed_at
    assert rows["all"].computed_at.tzinfo is not None


def write_values_on(connection, write) -> list[tuple]:
    """Create the value tables on this SQLite connection, write three new values with
    `write`, and return every value and history row without their times."""
    import datetime

    import pandas as pd
    from django.db import connections
    from django.utils import timezone

    from benchmarking.models import Metric, Value
    from selfreg.models import Council, User

    frame = pd.DataFrame(
        {
            "council_id": [11, 12, 13],
            "metric_id": [5, 5, 6],
            "period": ["2019-20", "2019-20", "2020-21"],
            "period_start": [datetime.date(2019, 4, 1)] * 2 + [datetime.date(2020, 4, 1)],
            "period_end": [datetime.date(2020, 3, 31)] * 2 + [datetime.date(2021, 3, 31)],
            "value": [1.5, 2.0, 300.25],
            "numerator": [3.0, float("nan"), 1201.0],
            "denominator": [2.0, float("nan"), 4.0],
            "sample_size": [float("nan")] * 3,
            "note": ["", "estimated", ""],
            "visibility": ["public", "sector", "public"],
        }
    )
    common = {"source": "dataset", "source_ref": "lgbf", "submitted_by": None}
    common["updated_at"] = timezone.now()
    suite = connections["default"]
    connections["default"] = connection
    try:
        with connection.schema_editor() as editor:
            # The tables a value's foreign keys name; their rows are not needed.
            for model in (User, Council, Metric):
                editor.create_model(model)
        with connection.schema_editor() as editor:
            editor.create_model(Value)
            editor.create_model(Value.history.model)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")  # no council or metric rows here
        write(frame, frame.iloc[:0], common)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, council_id, metric_id, period, period_start, period_end, value, "
                "numerator, denominator, sample_size, note, visibility, source, source_ref, "
                "submitted_by_id, typeof(value), typeof(period_start), typeof(numerator) "
                "FROM benchmarking_value ORDER BY id"
            )
            values = cursor.fetchall()
            cursor.execute(
                "SELECT id, council_id, metric_id, period, value, numerator, note, "
                "visibility, history_type, history_change_reason, history_user_id "
                "FROM benchmarking_historicalvalue ORDER BY history_id"
            )
            history = cursor.fetchall()
    finally:
        connections["default"] = suite
    return values + history


def test_new_values_on_sqlite_are_stored_as_the_orm_stores_them(tmp_path, django_db_blocker):
    """The SQLite import's set-wise insert stores the same values, with the same SQLite
    types, and the same history rows ('+', no user) as simple-history's bulk helpers."""
    from benchmarking.services import _values_write_orm, values_write

    stored = {}
    with django_db_blocker.unblock():
        for name, write in (("orm", _values_write_orm), ("setwise", values_write)):
            handler = ConnectionHandler(
                {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / name)}}
            )
            stored[name] = write_values_on(handler["default"], write)
            handler["default"].close()
    assert len(stored["orm"]) == 6
    assert stored["setwise"] == stored["orm"]
    assert stored["setwise"][1][7:10] == (None, None, None)
