"""Stored comparisons made before the minimum group size: groups with fewer than five
councils with a figure lose their quartiles and bands (comparisons.MIN_COUNCILS_FOR_QUARTILES),
as the next recompute would write them. Safe to rerun."""

from django.db import migrations

MINIMUM = 5  # comparisons.MIN_COUNCILS_FOR_QUARTILES when this migration was written


def withhold_quartiles(apps, schema_editor):
    statistic = apps.get_model("benchmarking", "ComparisonStatistic")
    position = apps.get_model("benchmarking", "ComparisonPosition")
    small = statistic.objects.filter(n__lt=MINIMUM)
    position.objects.filter(statistic__in=small.values("pk")).exclude(quartile_band=None).update(
        quartile_band=None
    )
    small.update(lower_quartile=None, upper_quartile=None)


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0010_upload_attempts")]

    operations = [migrations.RunPython(withhold_quartiles, migrations.RunPython.noop)]
