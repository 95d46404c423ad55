"""Fill each stored comparison's sorted values from its stored positions, so pages keep
showing positions between this upgrade and the next recompute. Safe to rerun."""

import numpy as np
from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    statistic_model = apps.get_model("benchmarking", "ComparisonStatistic")
    position_model = apps.get_model("benchmarking", "ComparisonPosition")
    ids = list(statistic_model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        found: dict[int, list] = {pk: [] for pk in batch}
        rows = (
            position_model.objects.filter(statistic_id__in=batch, value__isnull=False)
            .order_by("statistic_id", "value", "council_id")
            .values_list("statistic_id", "value", "council_id")
        )
        for statistic_id, value, council_id in rows:
            found[statistic_id].append((value, council_id))
        statistics = statistic_model.objects.in_bulk(batch)
        for pk, pairs in found.items():
            statistics[pk].sorted_values = np.array([v for v, _ in pairs], "<f8").tobytes()
            statistics[pk].council_ids = np.array([c for _, c in pairs], "<i4").tobytes()
        statistic_model.objects.bulk_update(
            statistics.values(), ["sorted_values", "council_ids"], batch_size=500
        )


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0012_statistics_keep_sorted_values")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
