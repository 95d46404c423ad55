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
