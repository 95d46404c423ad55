import numpy as np
import pandas as pd
import pytest
from django.db import connection

from benchmarking.pgcopy import HEADER, TRAILER, binary_copy


def test_stream_has_header_rows_and_trailer():
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]})
    payload = binary_copy(frame, ["bigint", "double precision"])
    assert payload.startswith(HEADER) and payload.endswith(TRAILER)
    # Row 1: 2 fields, 8-byte int, 8-byte float; row 2: the float is NULL (length -1).
    assert len(payload) == len(HEADER) + (2 + 4 + 8 + 4 + 8) + (2 + 4 + 8 + 4) + len(TRAILER)


def test_unknown_type_is_refused():
    with pytest.raises(ValueError, match="No binary encoding for: text"):
        binary_copy(pd.DataFrame({"a": ["x"]}), ["text"])


@pytest.mark.django_db
def test_round_trip_through_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    frame = pd.DataFrame(
        {
            "i": [1, 2, 3],
            "f": [0.25, np.nan, -3.5],
            "s": pd.array([1, None, 4], dtype="Int64"),
            "n": pd.array([7, 8, None], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copy_check (i bigint, f double precision, s smallint, "
            "n integer, b boolean)"
        )
        with cursor.cursor.copy("COPY copy_check FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(
                binary_copy(frame, ["bigint", "double precision", "smallint", "integer", "boolean"])
            )
        cursor.execute("SELECT i, f, s, n, b FROM copy_check ORDER BY i")
        assert cursor.fetchall() == [
            (1, 0.25, 1, 7, True),
            (2, None, None, 8, None),
            (3, -3.5, 4, None, False),
        ]
