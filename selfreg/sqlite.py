"""Writing quickly to SQLite while the seed loads the database, and only then.

SQLite's defaults are made for a database that many writers share and that must survive a
power cut at any moment: every commit waits for the disk (`synchronous = FULL`) and only
about 2 MB of pages stay in memory. The seed writes a few hundred thousand rows into a file
that nobody else is using yet and that it can write again from scratch, so for the seed
only, commits do not wait for the disk and the page cache holds the tables' indexes.

The rollback journal is kept: if the seed fails, or is stopped, its open transaction is
rolled back as usual. What is given up is only safety against the machine itself losing
power during the seed, which a rerun of the seed repairs.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection as default_connection
from django.db.backends.signals import connection_created

# Each is a setting of the connection, not of the file: nothing persists after the seed.
LOADING_PRAGMAS = {
    "synchronous": "OFF",  # hand pages to the operating system; do not wait for the disk
    "cache_size": "-131072",  # 128 MB of pages (negative: KiB), about the seed's indexes
    "temp_store": "MEMORY",  # sorts for index building stay in memory
}


def pragmas_read(cursor, names) -> dict[str, str]:
    """The current value of each named pragma on this cursor's connection, as text."""
    values = {}
    for name in names:
        cursor.execute(f"PRAGMA {name}")
        values[name] = str(cursor.fetchone()[0])
    return values


def pragmas_set(cursor, pragmas: dict[str, str]) -> None:
    """Set each pragma. Only names and values from this module's own tables are formatted
    in: a pragma takes no bound parameters."""
    for name, value in pragmas.items():
        cursor.execute(f"PRAGMA {name} = {value}")


@contextmanager
def loading_pragmas(connection=None):
    """Within the block, the connection (Django's default one unless given; SQLite only)
    writes as LOADING_PRAGMAS say, and so does any connection of its alias that Django opens
    in its place; after the block, the open connection has its own settings back."""
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        yield
        return

    def on_created(sender, connection, **kwargs):
        if connection.alias == alias:
            with connection.cursor() as cursor:
                pragmas_set(cursor, LOADING_PRAGMAS)

    alias = connection.alias
    with connection.cursor() as cursor:
        before = pragmas_read(cursor, LOADING_PRAGMAS)
        pragmas_set(cursor, LOADING_PRAGMAS)
    connection_created.connect(on_created, weak=False)
    try:
        yield
    finally:
        connection_created.disconnect(on_created)
        if connection.connection is not None:
            with connection.cursor() as cursor:
                pragmas_set(cursor, before)
