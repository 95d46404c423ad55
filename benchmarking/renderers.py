"""CSV output for the open data API: every list as a flat table with `?format=csv`.

The table is written by the kernel's `selfreg.csvfiles.to_csv` (its flattening rules and
formula guard are the same for every CSV the portal sends). CSV is never paginated: it holds
every row the request selects.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework.renderers import BaseRenderer

from selfreg.csvfiles import to_csv


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
