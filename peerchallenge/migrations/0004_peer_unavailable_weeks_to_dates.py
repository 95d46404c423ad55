"""Week numbers of unavailability become dates: each week a peer gave becomes its Monday to
Sunday in the year the migration runs, the year the weeks were given for. Safe to rerun: a
peer who already has dates keeps them."""

import datetime

from django.db import migrations


def weeks_to_dates(apps, schema_editor):
    Peer = apps.get_model("peerchallenge", "Peer")
    year = datetime.date.today().year
    for peer in Peer.objects.exclude(unavailable_weeks=[]):
        if peer.unavailable_periods:
            continue
        periods = []
        for week in sorted({int(w) for w in peer.unavailable_weeks if 1 <= int(w) <= 52}):
            monday = datetime.date.fromisocalendar(year, week, 1)
            periods.append([monday.isoformat(), (monday + datetime.timedelta(days=6)).isoformat()])
        peer.unavailable_periods = periods
        peer.save(update_fields=["unavailable_periods"])


class Migration(migrations.Migration):
    dependencies = [
        ("peerchallenge", "0003_peer_unavailable_dates"),
    ]

    operations = [migrations.RunPython(weeks_to_dates, migrations.RunPython.noop)]
