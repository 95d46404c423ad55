import json as jsonlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarking.context import build_context, find_similar_councils, read_sources
from benchmarking.models import SimilarCouncil
from benchmarking.services import similar_councils_save
from selfreg.models import Council


class Command(BaseCommand):
    help = (
        "Print a council's 15 most similar councils (docs/method/similar-councils.md). "
        "With --compute, work them out for every council from the context data first."
    )

    def add_arguments(self, parser):
        parser.add_argument("gss_code", nargs="?")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--compute", action="store_true", help="Recompute for everyone.")

    def handle(self, *args, gss_code, compute: bool, **options):
        as_json = options["json"]
        if compute or not SimilarCouncil.objects.exists():
            sources = read_sources(settings.BASE_DIR / "data")
            neighbours = find_similar_councils(build_context(**sources))
            count = similar_councils_save(neighbours=neighbours)
            self.stderr.write(f"Similar councils stored: {count} pairs.")
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
            for n in council.neighbours.select_related("neighbour")
        ]
        if not rows:
            raise CommandError(f"{council} has no similar councils (no context figures).")
        if as_json:
            self.stdout.write(_dumps({"gss_code": council.gss_code, "similar": rows}))
            return
        self.stdout.write(f"Councils most similar to {council} ({council.gss_code}):")
        for row in rows:
            self.stdout.write(
                f"{row['rank']:>3}. {row['name']:<32} {row['gss_code']}  distance "
                f"{row['distance']:.2f}  close on: {', '.join(row['closest_variables'])}"
            )


def _dumps(data) -> str:
    return jsonlib.dumps(data, indent=2)
