"""Benchmark harnesses: development tools, kept out of the deployed apps.

Run them from the project folder as ``python -m scripts.bench <command> [options]`` (``make
bench`` runs ``values`` and ``matching``); ``--help`` after a command lists its options.
BENCHMARKS.md explains each figure they print.
"""
