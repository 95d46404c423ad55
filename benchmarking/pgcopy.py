"""PostgreSQL's binary COPY format, built with numpy: millions of rows a second.

Pure: takes a DataFrame and the PostgreSQL type of each column, returns the bytes of a
complete binary COPY stream (header, rows, trailer). Rows differ in length where a field is
NULL, so rows are grouped by which fields are NULL: within a group every row has the same
layout and is one numpy structured array. Row order does not matter to COPY.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
# PostgreSQL type name: (numpy big-endian type, byte width)
TYPES = {
    "bigint": (">i8", 8),
    "integer": (">i4", 4),
    "smallint": (">i2", 2),
    "double precision": (">f8", 8),
    "boolean": ("u1", 1),
}


def binary_copy(frame: pd.DataFrame, types: list[str]) -> bytes:
    """The frame as a complete binary COPY stream; NaN and NA become NULL."""
    return HEADER + binary_rows(frame, types) + TRAILER


def binary_rows(frame: pd.DataFrame, types: list[str]) -> bytes:
    """The frame's rows in binary COPY format, without header or trailer, so that a large
    table can be sent a chunk at a time. `types` are the PostgreSQL types of the columns."""
    if len(types) != len(frame.columns):
        raise ValueError("Give one PostgreSQL type per column.")
    unknown = sorted(set(types) - set(TYPES))
    if unknown:
        raise ValueError(f"No binary encoding for: {', '.join(unknown)}.")
    n = len(frame)
    nulls = [frame[c].isna().to_numpy() for c in frame.columns]
    values = [
        frame[c].to_numpy(dtype=np.float64 if t == "double precision" else np.int64, na_value=0)
        for c, t in zip(frame.columns, types, strict=True)
    ]
    pattern = np.zeros(n, dtype=np.int64)
    for i, null in enumerate(nulls):
        pattern |= null.astype(np.int64) << i
    chunks = []
    for bits in np.unique(pattern):
        rows = pattern == bits
        layout = [("fields", ">i2")]
        for i, kind in enumerate(types):
            layout.append((f"length{i}", ">i4"))
            if not (bits >> i) & 1:
                layout.append((f"value{i}", TYPES[kind][0]))
        out = np.empty(int(rows.sum()), dtype=np.dtype(layout))
        out["fields"] = len(types)
        for i, kind in enumerate(types):
            if (bits >> i) & 1:
                out[f"length{i}"] = -1
            else:
                out[f"length{i}"] = TYPES[kind][1]
                out[f"value{i}"] = values[i][rows]
        chunks.append(out.tobytes())
    return b"".join(chunks)
