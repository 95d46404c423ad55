"""Print `make loadtest`'s table: per page, its query count with nothing kept and once kept
(benchmarking.readcache) and, per number of users, p50, p95, requests and failures (from
locust's `u<N>_stats.csv`). Standard library only.

Usage: report.py <results folder> <users> [<users> ...]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

# The target: p95 at most 200 ms at 50 users for dashboards and API comparisons.
TARGET_MS = 200
TARGET_USERS = 50
TARGET_PAGES = ("dashboard ", "officer dashboard", "api comparison ")


def stats(path: Path) -> dict[str, dict]:
    with path.open(newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main(out: Path, users: list[int]) -> None:
    counts = json.loads((out / "query_counts.json").read_text())
    runs = {n: stats(out / f"u{n}_stats.csv") for n in users if (out / f"u{n}_stats.csv").exists()}
    extra = {name for run in runs.values() for name in run if name not in counts}
    names = list(counts) + sorted(extra - {"Aggregated"})
    header = ["page", "queries cold/kept"]
    for n in runs:
        header += [f"{n}u p50", f"{n}u p95", f"{n}u req", f"{n}u fail"]
    header.append(f"p95 ≤ {TARGET_MS} ms at {TARGET_USERS}u")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in [*names, "Aggregated"]:
        row = [name, f"{counts[name]['cold']}/{counts[name]['warm']}" if name in counts else ""]
        for run in runs.values():
            found = run.get(name)
            if found:
                row += [found["50%"], found["95%"], found["Request Count"], found["Failure Count"]]
            else:
                row += ["", "", "0", "0"]
        verdict = ""
        if name.startswith(TARGET_PAGES) and TARGET_USERS in runs and name in runs[TARGET_USERS]:
            verdict = "yes" if float(runs[TARGET_USERS][name]["95%"]) <= TARGET_MS else "**no**"
        row.append(verdict)
        lines.append("| " + " | ".join(row) + " |")
    print("\n".join(lines))
    for n, run in runs.items():
        total = run.get("Aggregated", {})
        print(
            f"\n{n} users: {total.get('Request Count')} requests, {total.get('Failure Count')} "
            f"failures, {float(total.get('Requests/s', 0)):.1f} requests/s"
        )
    for n in runs:
        path = out / f"u{n}_failures.csv"
        if path.exists() and path.stat().st_size and len(path.read_text().splitlines()) > 1:
            print(f"\nFailures at {n} users ({path}):\n{path.read_text()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [int(n) for n in sys.argv[2:]])
