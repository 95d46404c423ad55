"""Load the themes from knowledgehub/data/themes.csv. Safe to rerun: existing themes are
updated in place."""

import csv
from pathlib import Path

from django.db import migrations

THEMES = Path(__file__).resolve().parent.parent / "data" / "themes.csv"


def load(apps, schema_editor):
    Theme = apps.get_model("knowledgehub", "Theme")
    with THEMES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Theme.objects.update_or_create(
                slug=row["slug"].strip(),
                defaults={
                    "name": row["name"].strip(),
                    "kind": row["kind"].strip(),
                    "order": int(row["order"]),
                    "description": row["description"].strip(),
                },
            )


class Migration(migrations.Migration):
    dependencies = [("knowledgehub", "0001_library_communities_marketplace")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
