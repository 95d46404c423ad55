import json as jsonlib

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarking import families
from benchmarking.context import build_context, read_sources
from benchmarking.models import SimilarityKind
from benchmarking.selectors import similar_councils_current
from benchmarking.services import similar_councils_recompute
from selfreg.models import Council

# The register and context files similar councils are worked out from.
DATA_DIR = settings.BASE_DIR / "data"
FAMILY_GROUPS_FILE = "benchmarks/scotland_lgbf_family_groups.csv"
CALIBRATION_YEAR = "2018-19"  # the year data/similar_council_sets.csv was worked out from
CHECK_YEARS = ("2016-17", "2021-22")


class Command(BaseCommand):
    help = (
        "Print a council's 15 most similar councils (docs/method/similar-councils.md). "
        "With --compute, work them out for every council and every set from the context data "
        "first. With --validate, check the people and place sets against the Scottish LGBF "
        "family groups."
    )

    def add_arguments(self, parser):
        parser.add_argument("gss_code", nargs="?")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--compute", action="store_true", help="Recompute for everyone.")
        parser.add_argument(
            "--kind",
            choices=SimilarityKind.values,
            default=SimilarityKind.OVERALL,
            help="Which set of similar councils to print (default: overall).",
        )
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Overlap@7 with the LGBF family groups, beside an equal-weight baseline, "
            "random picks, other years' weights and leave-one-out.",
        )

    def handle(self, *args, gss_code, compute: bool, kind: str, validate: bool, **options):
        as_json = options["json"]
        if validate:
            self._validate(as_json)
            return
        if compute or not similar_councils_current(DATA_DIR):
            count = similar_councils_recompute(data_dir=DATA_DIR)
            self.stderr.write(f"Similar councils stored: {count} pairs.")
        elif not gss_code:
            self.stderr.write(
                "Similar councils: the register and context files are unchanged since they "
                "were worked out; not worked out again. Use --compute to work them out anyway."
            )
        if not gss_code:
            return
        council = Council.objects.filter(gss_code=gss_code.upper()).first()
        if council is None:
            raise CommandError(f"No council has the code '{gss_code}'.")
        rows = [
            {
                "rank": n.rank,
                "gss_code": n.neighbour.gss_code,
                "name": n.neighbour.name,
                "distance": round(n.distance, 4),
                "closest_variables": n.closest_variables(),
            }
            for n in council.neighbours.current().of_kind(kind).select_related("neighbour")
        ]
        if not rows:
            raise CommandError(f"{council} has no similar councils (no context figures).")
        if as_json:
            self.stdout.write(_dumps({"gss_code": council.gss_code, "kind": kind, "similar": rows}))
            return
        self.stdout.write(f"Councils most similar to {council} ({council.gss_code}), {kind}:")
        for row in rows:
            self.stdout.write(
                f"{row['rank']:>3}. {row['name']:<32} {row['gss_code']}  distance "
                f"{row['distance']:.2f}  close on: {', '.join(row['closest_variables'])}"
            )

    def _validate(self, as_json: bool) -> None:
        data = settings.BASE_DIR / "data"
        sources = read_sources(data)
        context = build_context(**sources)
        scotland = context[context["nation"].eq("Scotland")]
        lgbf = sources["lgbf"]
        family = families.lgbf_families(pd.read_csv(data / FAMILY_GROUPS_FILE), lgbf)
        shipped = families.read_sets()
        rows = families.validate(scotland, family, shipped)
        for year in CHECK_YEARS:
            weights = {
                kind: families.WEIGHT_METHODS[kind](
                    scotland, families.indicator_table(lgbf, kind, year), list(shipped[kind])
                )
                for kind in family
            }
            for row, other in zip(rows, families.validate(scotland, family, weights), strict=True):
                row[f"overlap_weights_{year}"] = other["overlap"]
        loo = families.leave_one_out(scotland, lgbf, family, shipped, CALIBRATION_YEAR)
        for row in rows:
            row["leave_one_out_min"], row["leave_one_out_max"] = loo[row["set"]]
        place = _place_methods(scotland, lgbf, family, shipped)
        ceiling = families.place_ceilings(scotland, family["place"], shipped)
        if as_json:
            report = {"k": 7, "councils": len(scotland), "sets": rows, "place_methods": place}
            self.stdout.write(_dumps(report | {"place_fitted_to_families": ceiling}))
            return
        self.stdout.write(
            f"Overlap@7 with the LGBF family groups, {len(scotland)} Scottish councils "
            f"(weights from {CALIBRATION_YEAR}):"
        )
        for row in rows:
            others = ", ".join(
                f"{y} weights {row[f'overlap_weights_{y}']:.2f}" for y in CHECK_YEARS
            )
            self.stdout.write(
                f"  {row['set']:<7} {row['overlap']:.2f}   overall set {row['overall_set']:.2f}   "
                f"equal-weight baseline "
                f"{row['baseline']:.2f}   random {row['random']:.2f}   {others}   "
                f"leave-one-out {row['leave_one_out_min']:.2f} to {row['leave_one_out_max']:.2f}"
            )
        self.stdout.write(
            "Place weights by each method tried: overlap@7, then how badly each council's 7 "
            "nearest predict its place figures (mean squared error of standard ranks; 1 is "
            "no better than the average):"
        )
        for method in place:
            errors = "   ".join(f"{y} {e:.3f}" for y, e in method["prediction_error"].items())
            self.stdout.write(f"  {method['method']:<17} {method['overlap']:.2f}   {errors}")
        self.stdout.write(
            "Place weights searched to fit the LGBF families themselves (never used: a fit, "
            "not a method), overlap@7 on the councils fitted to, then with each council left "
            "out of its own fit:"
        )
        for row in ceiling:
            self.stdout.write(
                f"  {row['figures']:<17} {row['fitted']:.2f}   left out {row['left_out']:.2f}"
                f"   ({row['variables']} figures with Scottish values)"
            )


def _place_methods(scotland, lgbf, family, shipped) -> list[dict]:
    """Each way of weighting the place set tried, side by side: the shipped weights
    (nearest-council prediction), squared rank correlation and equal weights; each with its
    overlap and its prediction error in the calibration year and the other years."""
    variables = list(shipped["place"])
    calibration = families.indicator_table(lgbf, "place", CALIBRATION_YEAR)
    weights = {
        "prediction": dict(shipped["place"]),
        "rank_correlation": families.evidence_weights(scotland, calibration, variables),
        "equal": dict.fromkeys(variables, 1.0),
    }
    errors = {
        year: families.set_prediction_errors(
            scotland, families.indicator_table(lgbf, "place", year), weights
        )
        for year in (CALIBRATION_YEAR, *CHECK_YEARS)
    }
    rows = []
    for name, chosen in weights.items():
        found = families.validate(scotland, {"place": family["place"]}, {"place": chosen})[0]
        rows.append(
            {
                "method": name,
                "overlap": found["overlap"],
                "prediction_error": {year: errors[year][name] for year in errors},
            }
        )
    rows.append(
        {
            "method": "none",
            "overlap": found["random"],
            "prediction_error": {year: errors[year]["none"] for year in errors},
        }
    )
    return rows


def _dumps(data) -> str:
    return jsonlib.dumps(data, indent=2)
