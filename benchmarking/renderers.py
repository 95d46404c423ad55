"""CSV output for the open data API: every list as a flat table with `?format=csv`.

Flattening rules, the same for every endpoint, so a column can be traced to its JSON field:

* a nested object becomes one column per key, named by its JSON path (``shares.density``);
* a list of plain values is joined with ``;`` in one cell (``successors``);
* ``null`` is an empty cell, ``true``/``false`` are written as such.

Text cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with an apostrophe; numbers are written as they are.
CSV is never paginated: it holds every row the request selects.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer

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


class CSVRenderer(BaseRenderer):
    """Renders a list of objects (or a paginated page, or an error) as a CSV attachment.

    A view may define `csv_header()` (the columns, used even when there are no rows),
    `csv_rows(data)` (to turn a non-list response into rows) and `csv_filename()`.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        view = context.get("view")
        response = context.get("response")
        failed = response is not None and response.status_code >= 400
        header = None
        if data is None:
            rows: list = []
        elif failed:
            rows = [_error_row(data)]
        elif view is not None and hasattr(view, "csv_rows"):
            rows = view.csv_rows(data)
        elif isinstance(data, Mapping) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        if not failed and view is not None and hasattr(view, "csv_header"):
            header = view.csv_header()
        if response is not None and not failed:
            name = view.csv_filename() if hasattr(view, "csv_filename") else "data.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return to_csv(rows, header).encode(self.charset)


def _error_row(data) -> dict:
    """An error as one row: its detail, and its problems listed in one cell."""
    if not isinstance(data, Mapping):
        return {"detail": str(data)}
    row = {"detail": data.get("detail", "")}
    problems = data.get("problems")
    if problems:
        row["problems"] = [
            f"row {p.get('row')}, {p.get('column') or '-'}: {p.get('message')}" for p in problems
        ]
    others = {k: v for k, v in data.items() if k not in ("detail", "problems")}
    return {**row, **others}
