from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0013_sorted_values_from_positions")]

    operations = [migrations.DeleteModel(name="ComparisonPosition")]
