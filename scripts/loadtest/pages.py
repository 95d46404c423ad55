"""The pages `make loadtest` requests, shared by the locustfile and query_counts.py.

`targets.json` (written by query_counts.py from the database under test) names real councils,
metrics and comparison groups; this module turns it into request paths. No Django, no locust.
"""

from __future__ import annotations

from urllib.parse import urlencode

OFFICER_EMAIL = "officer@example.com"


def pages(targets: dict) -> list[dict]:
    """[{"name", "path", "role", "weight"}]: role is "anonymous" or "officer"."""
    rows = [
        {"name": "home", "path": "/", "role": "anonymous", "weight": 3},
        {"name": "council list", "path": "/councils/", "role": "anonymous", "weight": 2},
    ]
    for council in targets["councils"]:
        gss, group, metric = council["gss"], council["group"], council["metrics"][0]
        rows.append(
            {
                "name": f"dashboard {gss}",
                "path": f"/benchmarking/councils/{gss}/",
                "role": "anonymous",
                "weight": 3,
            }
        )
        query = urlencode({"metric": metric, "period": "latest", "group": group})
        if any(row["path"] == f"/api/v1/comparisons/?{query}" for row in rows):
            continue  # councils of one type share the same comparison: request it once
        rows.append(
            {
                "name": f"api comparison {group}",
                "path": f"/api/v1/comparisons/?{query}",
                "role": "anonymous",
                "weight": 3,
            }
        )
    first = targets["councils"][0]
    metric = first["metrics"][0]
    rows += [
        {
            "name": "metric page",
            "path": f"/benchmarking/metrics/{metric}/?{urlencode({'council': first['gss']})}",
            "role": "anonymous",
            "weight": 2,
        },
        {
            "name": "compare",
            "path": "/benchmarking/compare/?"
            + urlencode(
                {
                    "metric_1": first["metrics"][0],
                    "metric_2": first["metrics"][-1],
                    "group": first["group"],
                }
            ),
            "role": "anonymous",
            "weight": 2,
        },
        {
            "name": "api values",
            "path": f"/api/v1/values/?{urlencode({'metric': metric, 'period': 'latest'})}",
            "role": "anonymous",
            "weight": 2,
        },
    ]
    if officer := targets.get("officer"):
        gss = officer["gss"]
        rows += [
            {"name": "officer home", "path": "/", "role": "officer", "weight": 2},
            {
                "name": "officer dashboard",
                "path": f"/benchmarking/councils/{gss}/",
                "role": "officer",
                "weight": 3,
            },
            {
                "name": "officer sharing",
                "path": f"/benchmarking/councils/{gss}/sharing/",
                "role": "officer",
                "weight": 1,
            },
            {
                "name": "officer self-assessment",
                "path": f"/self-assessment/councils/{gss}/",
                "role": "officer",
                "weight": 2,
            },
        ]
    return rows
