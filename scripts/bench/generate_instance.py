import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scripts.bench.generator import generate


class Command(BaseCommand):
    help = (
        "Write a synthetic peer-challenge round (invented councils, peers and challenges) in "
        "the exchange format, for trying the matcher and for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--challenges", type=int, default=50)
        parser.add_argument("--peers", type=int, default=400)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--output", required=True)

    def handle(self, *args, challenges, peers, seed, output, **options):
        if challenges < 1 or peers < 1:
            raise CommandError("--challenges and --peers must be 1 or more.")
        instance = generate(challenges=challenges, peers=peers, seed=seed)
        Path(output).write_text(json.dumps(instance) + "\n", encoding="utf-8")
        self.stdout.write(
            f"Wrote {challenges} challenges and {peers} peers from "
            f"{len(instance['councils'])} councils to {output}."
        )
