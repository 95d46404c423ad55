"""Bench: how soon the measure page's figures are on screen, on a cold cache.

A benchmark, not a test: it prints JSON and always exits 0 once the runs are done.
BENCHMARKS.md ("Page load") records the figures.

    DATABASE_URL=postgres://.../seeded .venv/bin/python scripts/bench_page_load.py [--runs 5]

Needs a database with figures (`make seed` on DATABASE_URL). It collects the static files
(compressed, as in production) into staticfiles/, serves the portal with gunicorn
(DEBUG=false, two workers) on a free port, and opens the measure page (one measure across all
councils, with one council's history: the page's two charts) in Chromium, a new browser
context per run so nothing is cached, once as it comes over localhost and once over a slow
4G connection (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, Lighthouse's profile).

Per run it reports, in milliseconds from the start of navigation:

* ``html_received``: the page's HTML has arrived (the server's time and the network's);
* ``table_rendered``: the page's first table is in the document and a frame has been painted
  since (a MutationObserver sees the table; two animation frames later it is on screen);
* ``first_contentful_paint`` and ``dom_content_loaded`` as the browser reports them;
* ``charts_drawn``: every chart on the page has been drawn by plotly;
* ``script_bytes``: JavaScript bytes transferred (compressed, as sent).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SLOW_4G = {"latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}

WATCH_TABLE = """
(() => {
  window.__bench = {};
  const seen = () => {
    if (window.__bench.table) return true;
    if (!document.querySelector('main table')) return false;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__bench.table = performance.now();
    }));
    window.__bench.table = -1;
    return true;
  };
  const observer = new MutationObserver(() => { if (seen()) observer.disconnect(); });
  observer.observe(document, {childList: true, subtree: true});
})();
"""

CHARTS_DRAWN = """
() => [...document.querySelectorAll('[data-chart]')].every((el) => el.querySelector('.main-svg'))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }


def measure_path(env: dict) -> str:
    """The measure with the most councils' figures, seen by one council (its history too)."""
    code = (
        "import django; django.setup()\n"
        "from django.db.models import Count\n"
        "from benchmarking.models import Value\n"
        "row = (Value.objects.filter(visibility='public', council__gss_code__startswith='E06')"
        ".values('metric__code').annotate(n=Count('id')).order_by('-n', 'metric__code').first())\n"
        "gss = Value.objects.filter(metric__code=row['metric__code'], visibility='public',"
        " council__gss_code__startswith='E06').order_by('council__gss_code')"
        ".values_list('council__gss_code', flat=True).first()\n"
        "print(f\"/benchmarking/metrics/{row['metric__code']}/?council={gss}\")\n"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "selfreg.settings"}
    out = subprocess.run(  # noqa: S603 (a fixed command)
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True
    )
    return out.stdout.decode().strip().splitlines()[-1]


def run_once(browser, base: str, path: str, throttle: dict | None) -> dict:
    context = browser.new_context(base_url=base, locale="en-GB")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **throttle})
    script_bytes = {}

    def on_finished(params):
        script_bytes[params["requestId"]] = params.get("encodedDataLength", 0)

    types = {}
    cdp.on("Network.responseReceived", lambda p: types.__setitem__(p["requestId"], p["type"]))
    cdp.on("Network.loadingFinished", on_finished)
    page.add_init_script(WATCH_TABLE)
    page.goto(path, wait_until="load")
    page.wait_for_function("window.__bench.table > 0")
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    drawn = page.evaluate("performance.now()")
    timings = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {table: window.__bench.table, dcl: nav.domContentLoadedEventEnd,
                  html: nav.responseEnd,
                  fcp: fcp ? fcp.startTime : null};
        }"""
    )
    context.close()
    return {
        "html_received": round(timings["html"]),
        "table_rendered": round(timings["table"]),
        "first_contentful_paint": round(timings["fcp"]) if timings["fcp"] else None,
        "dom_content_loaded": round(timings["dcl"]),
        # Polled after load, so an upper bound by up to one poll.
        "charts_drawn": round(drawn),
        "script_bytes": sum(b for r, b in script_bytes.items() if types.get(r) == "Script"),
    }


def summary(runs: list[dict]) -> dict:
    keys = [
        "html_received",
        "table_rendered",
        "first_contentful_paint",
        "dom_content_loaded",
        "charts_drawn",
    ]
    return {
        **{
            f"{k}_median_ms": statistics.median(r[k] for r in runs if r[k] is not None)
            for k in keys
        },
        "table_rendered_max_ms": max(r["table_rendered"] for r in runs),
        "script_bytes": runs[0]["script_bytes"],
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", help="the page to open (default: a measure page)")
    args = parser.parse_args()
    env = server_env()
    log = lambda text: print(f"[bench_page_load] {text}", file=sys.stderr)  # noqa: E731
    log("collectstatic (compressed)")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    path = args.path or measure_path(env)
    port = free_port()
    log(f"gunicorn on 127.0.0.1:{port}; page {path}")
    server = subprocess.Popen(  # noqa: S603 (a fixed command)
        [str(ROOT / ".venv/bin/gunicorn"), "selfreg.wsgi:application", "--workers", "2"]
        + ["--bind", f"127.0.0.1:{port}", "--error-logfile", "/dev/null"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310 (http only)
                break
            except OSError:
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            results = {"page": path, "cpus": os.cpu_count()}
            for name, throttle in (("localhost", None), ("slow_4g", SLOW_4G)):
                runs = [run_once(browser, base, path, throttle) for _ in range(args.runs)]
                results[name] = summary(runs)
                log(f"{name}: table rendered in {results[name]['table_rendered_median_ms']} ms")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
