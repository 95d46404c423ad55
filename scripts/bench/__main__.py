"""``python -m scripts.bench <command> [options]``: set Django up, then run one harness.

The harnesses are Django management commands in form (options, ``--help``, stdout and stderr)
but live here rather than in an app, so the deployed portal neither ships nor lists them.
"""

from __future__ import annotations

import importlib
import os
import sys

# Each command and the module whose ``Command`` runs it.
COMMANDS = {
    "values": "scripts.bench.values",
    "matching": "scripts.bench.matching",
    "generate_instance": "scripts.bench.generate_instance",
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in COMMANDS:
        names = ", ".join(COMMANDS)
        print(f"Usage: python -m scripts.bench <command> [options]; commands: {names}.")
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfreg.settings")
    import django

    django.setup()
    command = importlib.import_module(COMMANDS[argv[1]]).Command()
    command.run_from_argv(["python -m scripts.bench", *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
