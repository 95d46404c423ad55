import csv
import datetime

from django.core.management.base import BaseCommand, CommandError

from earlywarning import calibration, resilience, selectors, thresholds


class Command(BaseCommand):
    help = (
        "Work out the financial resilience rule's thresholds from the distribution of every "
        "council and year in the loaded data (quantiles fixed in data/calibration.csv) and "
        "write them to earlywarning/data/calibrated_thresholds.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(thresholds.CALIBRATED), help="where to write the thresholds"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the thresholds, write nothing"
        )

    def handle(self, *args, output, dry_run=False, **options):
        inputs = selectors.rule_inputs()
        table = resilience.resilience(inputs.values, inputs.similar)
        found = calibration.calibrate(table, thresholds.calibration_settings())
        if not found:
            raise CommandError(
                "No indicator has enough council-years with similar councils to calibrate: "
                "load the English finance datasets and similar councils first. Nothing written."
            )
        for row in found:
            self.stdout.write(
                f"{row['indicator']}: extreme gap {row['extreme_gap']}, run gap "
                f"{row['run_gap']} ({row['council_years']} council-years, "
                f"{row['first_year']} to {row['last_year']})"
            )
        if dry_run:
            return
        with open(output, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*calibration.COLUMNS, "computed_on"])
            writer.writeheader()
            today = datetime.date.today().isoformat()
            for row in found:
                writer.writerow({**row, "computed_on": today})
        thresholds.rule_thresholds.cache_clear()
        self.stdout.write(f"Wrote {len(found)} indicators' thresholds to {output}.")
