"""The hub's themes, loaded from data."""

import csv
from pathlib import Path

from django.db import transaction

from knowledgehub.models import Theme

THEMES_FILE = Path(__file__).resolve().parents[1] / "data" / "themes.csv"


def themes_load(*, path: Path = THEMES_FILE) -> tuple[int, int]:
    """Create or update the themes from their file. Returns (created, updated)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    slugs = [row["slug"].strip() for row in rows]
    if len(set(slugs)) != len(slugs) or not all(slugs):
        raise ValueError("Every theme needs its own short name.")
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            values = {
                "name": row["name"].strip(),
                "kind": row["kind"].strip(),
                "order": int(row["order"]),
                "description": row["description"].strip(),
            }
            theme, was_created = Theme.objects.get_or_create(
                slug=row["slug"].strip(), defaults=values
            )
            if was_created:
                created += 1
            elif any(getattr(theme, k) != v for k, v in values.items()):
                Theme.objects.filter(pk=theme.pk).update(**values)
                updated += 1
    return created, updated
