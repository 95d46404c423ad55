import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from peerchallenge.matching import solve, validate_instance


class Command(BaseCommand):
    help = (
        "Solve a peer-challenge round in the exchange format (docs/method/matching.md) and "
        "write the best assignment with its score, the proven bound, the gap, the solve time, "
        "the status and the reason for each challenge left unstaffed. A file with any problem "
        "is rejected and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="The round, as JSON")
        parser.add_argument("--output", required=True, help="Where to write the solution")
        parser.add_argument(
            "--time-limit", type=float, default=None, help="Stop after this many seconds"
        )

    def handle(self, *args, instance, output, time_limit, verbosity, **options):
        path = Path(instance)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(
                f"{path} is not valid JSON: {error}. Nothing was written."
            ) from error
        problems = validate_instance(data)
        if problems:
            listed = "\n".join(f"- {p}" for p in problems[:50])
            more = f"\n... and {len(problems) - 50} more." if len(problems) > 50 else ""
            raise CommandError(
                f"{path} is not a valid instance; nothing was written.\n{listed}{more}"
            )
        if time_limit is not None and time_limit <= 0:
            raise CommandError("--time-limit must be above 0 seconds.")

        def progress(p):
            if verbosity >= 2:
                shown = "none yet" if p.objective is None else f"{p.objective:.0f}"
                gap = "" if p.gap is None else f", gap {100 * p.gap:.3f}%"
                self.stderr.write(f"{p.seconds:7.1f}s best {shown}{gap}")

        result = solve(data, time_limit=time_limit, on_progress=progress)
        Path(output).write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
        self.stdout.write(
            f"{result.status}: score {result.objective}, proven bound {result.bound:.0f}, "
            f"gap {100 * result.gap:.3f}%, {len(result.assignments)} of "
            f"{len(data['challenges'])} challenges staffed, {result.seconds:.1f} s."
        )
