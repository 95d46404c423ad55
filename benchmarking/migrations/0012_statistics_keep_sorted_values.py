from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0011_no_quartiles_below_five_councils")]

    operations = [
        migrations.AddField(
            model_name="comparisonstatistic",
            name="sorted_values",
            field=models.BinaryField(default=b""),
        ),
        migrations.AddField(
            model_name="comparisonstatistic",
            name="council_ids",
            field=models.BinaryField(default=b""),
        ),
    ]
