"""Each `make loadtest` page requested alone, ten times in a row, through Django's test client:
the bytes of one answer and the mean milliseconds per request, with no other load.

Run with the portal's .venv and the environment `run.sh` gives the server (DATABASE_URL,
REDIS_URL, DJANGO_SETTINGS_MODULE=loadtest_settings, scripts/loadtest and the repository on
PYTHONPATH, DEBUG=false). Prints a Markdown table. It reads only; it changes no data.
"""

from __future__ import annotations

import time

import django

django.setup()

from pages import pages  # noqa: E402
from query_counts import HOST, choose_targets, role_clients  # noqa: E402

REPEATS = 10


def main() -> None:
    targets = choose_targets()
    clients = role_clients(targets)
    print("| page | bytes | ms |\n|---|---|---|")
    for page in pages(targets):
        client = clients[page["role"]]
        size = len(client.get(page["path"], HTTP_HOST=HOST).content)  # warms the caches
        start = time.perf_counter()
        for _ in range(REPEATS):
            client.get(page["path"], HTTP_HOST=HOST)
        ms = (time.perf_counter() - start) / REPEATS * 1000
        print(f"| {page['name']} | {size:,} | {ms:.0f} |")


if __name__ == "__main__":
    main()
