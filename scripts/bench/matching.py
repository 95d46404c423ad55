"""Benchmark of the team matcher at a year's real scale and at stress scale.

A benchmark, not a test: it asserts nothing, prints one JSON line on stdout and its progress
on stderr. See BENCHMARKS.md ("Peer-challenge matching").
"""

import json
import os
import platform
import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand

from peerchallenge.matching import check_solution, count_eligible, solve
from scripts.bench.generator import generate

TARGET_GAP = 0.005


class Command(BaseCommand):
    help = (
        "Time the peer-challenge matcher on generated rounds: real scale (50 challenges, "
        "400 peers) to a proven optimum, and stress scale (300 challenges, 3,000 peers) to a "
        "complete assignment within 0.5% of the proven bound."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["real", "stress", "both"], default="real")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--real-time-limit", type=float, default=120.0)
        parser.add_argument("--stress-time-limit", type=float, default=600.0)

    def handle(self, *args, scale, seed, real_time_limit, stress_time_limit, **options):
        runs = []
        if scale in ("real", "both"):
            runs.append(self.run("real", 50, 400, seed, real_time_limit))
        if scale in ("stress", "both"):
            runs.append(self.run("stress", 300, 3000, seed, stress_time_limit))
        summary = {
            "benchmark": "peer-challenge matching",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "processor": platform.processor() or platform.machine(),
                "python": platform.python_version(),
            },
            "runs": runs,
        }
        self.stdout.write(json.dumps(summary))

    def run(self, name, challenges, peers, seed, limit):
        instance = generate(challenges=challenges, peers=peers, seed=seed)
        first_within = {}

        def progress(p):
            if p.gap is not None and p.objective is not None:
                if p.gap <= TARGET_GAP and "seconds" not in first_within:
                    first_within["seconds"] = round(p.seconds, 1)
                self.stderr.write(
                    f"[{name}] {p.seconds:7.1f}s score {p.objective:.0f} bound {p.bound:.0f} "
                    f"gap {100 * p.gap:.3f}%"
                )
            else:
                self.stderr.write(f"[{name}] {p.seconds:7.1f}s working")

        began = time.monotonic()
        result = solve(instance, time_limit=limit, on_progress=progress)
        wall = time.monotonic() - began
        violations = check_solution(instance, result.assignments)
        pairs = count_eligible(instance)
        return {
            "scale": name,
            "challenges": challenges,
            "peers": peers,
            "eligible_pairs": pairs,
            "seed": seed,
            "time_limit": limit,
            "status": result.status,
            "objective": result.objective,
            "bound": result.bound,
            "gap": round(result.gap, 6),
            "seconds": round(result.seconds, 1),
            "wall_seconds": round(wall, 1),
            "seconds_to_within_0_5pct": first_within.get("seconds"),
            "staffed": len(result.assignments),
            "unstaffed": len(result.unstaffed),
            "rule_violations": len(violations),
        }
