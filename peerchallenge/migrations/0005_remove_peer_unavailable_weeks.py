from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("peerchallenge", "0004_peer_unavailable_weeks_to_dates"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalpeer",
            name="unavailable_weeks",
        ),
        migrations.RemoveField(
            model_name="peer",
            name="unavailable_weeks",
        ),
    ]
