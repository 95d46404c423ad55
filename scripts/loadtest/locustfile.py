"""`make loadtest`: anonymous visitors and signed-in officers reading the portal.

Run by scripts/loadtest/run.sh with LOADTEST_TARGETS pointing at the targets.json that
query_counts.py wrote from the database under test. Each page is its own row in locust's
statistics (its `name`). A response is a failure if its status is not 200 or, for an officer,
if it is the sign-in page (the session was lost).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task
from pages import pages

TARGETS = json.loads(Path(os.environ["LOADTEST_TARGETS"]).read_text())
PAGES = pages(TARGETS)
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-portal-2026")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def weighted(role: str) -> list[dict]:
    return [page for page in PAGES if page["role"] == role for _ in range(page["weight"])]


class Reader(HttpUser):
    """Requests one of its role's pages, chosen by weight, and checks the answer."""

    abstract = True
    role = "anonymous"
    wait_time = between(0.5, 1.5)

    @task
    def read(self) -> None:
        page = random.choice(weighted(self.role))
        with self.client.get(page["path"], name=page["name"], catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif "/sign-in/" in response.url:
                response.failure("sent to the sign-in page")
            else:
                response.success()


class Visitor(Reader):
    """Someone not signed in: the home page, dashboards, metric pages, compare, the API."""

    weight = 4


class Officer(Reader):
    """The demo officer, signed in: home, their council's dashboard, sharing and self-assessment."""

    weight = 1
    role = "officer"
    abstract = not TARGETS.get("officer")

    def on_start(self) -> None:
        form = self.client.get("/sign-in/", name="sign-in form")
        match = CSRF_INPUT.search(form.text)
        with self.client.post(
            "/sign-in/",
            data={
                "username": TARGETS["officer"]["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1) if match else "",
            },
            headers={"Referer": f"{self.host}/sign-in/"},
            name="sign-in",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/sign-in/" in response.url:
                response.failure(f"not signed in (status {response.status_code})")
            else:
                response.success()
