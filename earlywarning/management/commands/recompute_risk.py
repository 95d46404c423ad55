import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from earlywarning.services import risk_compute, risk_recompute


class Command(BaseCommand):
    help = (
        "Assess every council's risk as of a date (today by default), using only data known "
        "then, and print each council's band, score and contributions. Confidential to sector "
        "staff."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="The date, as YYYY-MM-DD.")
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument(
            "--summary", action="store_true", help="Print only how many councils are in each band."
        )
        parser.add_argument(
            "--no-save",
            action="store_true",
            help="Print only: store no assessment and open no alert.",
        )

    def handle(self, *args, as_of=None, as_json=False, no_save=False, summary=False, **options):
        today = timezone.localdate()
        if as_of:
            try:
                day = datetime.date.fromisoformat(as_of)
            except ValueError as error:
                raise CommandError(f"'{as_of}' is not a date. Write it as YYYY-MM-DD.") from error
            if day > today:
                raise CommandError("The date cannot be in the future.")
        else:
            day = today
        if no_save:
            report = risk_compute(as_of=day)
        else:
            # Alerts open only for today's assessment: a replayed date is history.
            report = risk_recompute(as_of=day, open_alerts=day == today)
        if as_json:
            payload = {
                "as_of": day.isoformat(),
                "councils": [
                    {"gss_code": gss, "name": report.names[gss], **result.as_dict()}
                    for gss, result in sorted(report.results.items())
                ],
            }
            self.stdout.write(json.dumps(payload, indent=1))
            return
        counts = {}
        for result in report.results.values():
            counts[result.band] = counts.get(result.band, 0) + 1
        self.stdout.write(
            f"Risk as of {day.isoformat()}: {len(report.results)} councils; "
            + ", ".join(f"{counts.get(b, 0)} {b}" for b in ("high", "elevated", "watch", "low"))
            + "."
        )
        order = {"high": 0, "elevated": 1, "watch": 2, "low": 3}
        for gss, result in (
            []
            if summary
            else sorted(
                report.results.items(), key=lambda kv: (order[kv[1].band], report.names[kv[0]])
            )
        ):
            self.stdout.write(
                f"\n{report.names[gss]} ({gss}): {result.band}, {result.score:.1%} of "
                f"{result.applicable_points:g} points"
            )
            if result.held_back:
                self.stdout.write(f"  {result.held_back}")
            for contribution in result.contributions:
                self.stdout.write(f"  - [{contribution.domain}] {contribution.words}")
        if not no_save:
            self.stdout.write(
                f"\nStored {report.saved} assessments; {len(report.alerts_opened)} alerts opened."
            )
