"""CSV downloads: rows of mappings written as one flat table.

Flattening rules, the same for every download and for the open data API's `?format=csv`,
so a column can be traced to its JSON field:

* a nested object becomes one column per key, named by its JSON path (``shares.density``);
* a list of plain values is joined with ``;`` in one cell (``successors``);
* ``null`` is an empty cell, ``true``/``false`` are written as such.

Text cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with an apostrophe; numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def flatten(row: Mapping, prefix: str = "") -> dict:
    """One JSON object as a flat mapping of column name to cell value."""
    flat: dict = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = ";".join("" if v is None else str(v) for v in value)
        else:
            flat[name] = value
    return flat


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    return str(value)


def to_csv(rows: Iterable[Mapping], header: list[str] | None = None) -> str:
    """Rows as CSV text; columns in `header` order, then any others as they first appear."""
    flat = [flatten(row) for row in rows]
    columns = list(header or [])
    seen = set(columns)
    for row in flat:
        for name in row:
            if name not in seen:
                seen.add(name)
                columns.append(name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in flat:
        writer.writerow([cell(row.get(name)) for name in columns])
    return out.getvalue()


def csv_response(rows: Iterable[Mapping], filename: str, header: list[str] | None = None):
    """A CSV download of `rows`, formulas neutralised as above; any page's CSV uses this."""
    response = HttpResponse(to_csv(rows, header), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
