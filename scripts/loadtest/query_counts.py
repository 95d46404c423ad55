"""Pick the pages `make loadtest` requests from the database under test, and count their queries.

Run with the portal's .venv and the same environment as the server (DATABASE_URL, REDIS_URL,
DJANGO_SETTINGS_MODULE=loadtest_settings, with scripts/loadtest and the repository on
PYTHONPATH). Writes, into the folder given:

- targets.json: real councils from the register that have values, for each the comparison
  group its dashboard would use (its similar councils when they are stored, otherwise its
  type) and metrics that have a stored comparison for that group; and the demo officer's
  council;
- query_counts.json: per page, the status and the number of SQL queries of one request through
  Django's test client, twice: the first with nothing kept in the cache (cold: what was kept
  before is forgotten first, benchmarking.readcache) and the second (warm: the page or its
  reads kept by the first).

It reads only; it changes no data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pages import OFFICER_EMAIL, pages  # noqa: E402

from benchmarking import readcache  # noqa: E402
from benchmarking.models import ComparisonStatistic  # noqa: E402
from selfreg.models import Council  # noqa: E402

HOST = "127.0.0.1"


def council_target(council: Council) -> dict | None:
    groups = [f"similar:{council.gss_code}", f"type:{council.kind}", "all"]
    for group in groups:
        metrics = list(
            ComparisonStatistic.objects.filter(group=group, metric__values__council=council)
            .order_by("metric__code")
            .values_list("metric__code", flat=True)
            .distinct()[:2]
        )
        if metrics:
            return {
                "gss": council.gss_code,
                "name": council.name,
                "group": group,
                "metrics": metrics,
            }
    return None


def choose_targets() -> dict:
    """Hartlepool (the demo officer's council) if present, the two councils with most values,
    and the English council with most values after those: four real or, on the synthetic
    dataset, synthetic councils."""
    by_values = list(
        Council.objects.with_gss()
        .annotate(n=Count("values"))
        .filter(n__gt=0)
        .order_by("-n", "gss_code")
    )
    chosen: list[Council] = [c for c in by_values if c.gss_code == "E06000001"]
    chosen += [c for c in by_values if c not in chosen][:2]
    chosen += [c for c in by_values if c not in chosen and c.gss_code.startswith("E")][:1]
    councils = [t for c in chosen if (t := council_target(c))]
    if not councils:
        sys.exit("No council has a stored comparison: seed the database first.")
    officer = get_user_model().objects.filter(email=OFFICER_EMAIL).first()
    officer_council = None
    if officer is not None:
        role = officer.roles.filter(council__isnull=False).select_related("council").first()
        officer_council = role.council.gss_code if role else None
    return {
        "councils": councils,
        "officer": {"email": OFFICER_EMAIL, "gss": officer_council} if officer_council else None,
    }


def count(client: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=HOST)
    return response.status_code, len(queries)


def role_clients(targets: dict) -> dict[str, Client]:
    """A test client per role the pages use: anonymous, and the demo officer signed in."""
    clients = {"anonymous": Client()}
    if targets["officer"]:
        clients["officer"] = Client()
        clients["officer"].force_login(
            get_user_model().objects.get(email=targets["officer"]["email"])
        )
    return clients


def main(out: Path) -> None:
    targets = choose_targets()
    (out / "targets.json").write_text(json.dumps(targets, indent=2))
    clients = role_clients(targets)
    readcache.forget()
    counts = {}
    for page in pages(targets):
        client = clients[page["role"]]
        status, cold = count(client, page["path"])
        _, warm = count(client, page["path"])
        counts[page["name"]] = {"path": page["path"], "status": status, "cold": cold, "warm": warm}
        print(f"{page['name']:<40} {status} queries cold {cold:>3} warm {warm:>3}", file=sys.stderr)
    (out / "query_counts.json").write_text(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
