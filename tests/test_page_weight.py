"""A page's JavaScript stays under 1.5 MB compressed (gzip), whichever page it is.

The sizes are of the files as served (gzip level 6, what a web server or CDN sends); no
timing here: how fast a page becomes usable is measured by `scripts/bench_page_load.py`.
"""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.fileproblems import read_table

BUDGET = 1_500_000  # bytes of gzip-compressed JavaScript on one page
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC_JS = re.compile(r"""\{%\s*static\s+['"]([^'"]+\.js)['"]\s*%\}""")
SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc="([^"]+)\"""")


def gzipped_size(static_path: str) -> int:
    found = finders.find(static_path)
    assert found, f"{static_path} is not a static file"
    return len(gzip.compress(Path(found).read_bytes(), compresslevel=6))


def page_scripts(html: str) -> list[str]:
    return [src.removeprefix("/static/") for src in SCRIPT_SRC.findall(html)]


def test_every_script_any_template_loads_fits_the_budget_together():
    """The worst case: every script named in any template, as if all were on one page."""
    scripts = {m for t in TEMPLATES.rglob("*.html") for m in STATIC_JS.findall(t.read_text())}
    assert "vendor/plotly-basic.min.js" in scripts and "js/portal.js" in scripts
    total = sum(gzipped_size(s) for s in scripts)
    assert total < BUDGET, f"{total:,} bytes of compressed JavaScript"


@pytest.fixture
def charts_data(db):
    metrics_import(
        rows=[
            {"code": "a", "title": "Measure A", "element": "outcome", "unit": "%"},
            {"code": "b", "title": "Measure B", "element": "cost", "unit": "£"},
        ]
    )
    councils = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]
    text = "gss_code,metric_code,period,value\n" + "".join(
        f"{gss},{code},{period},{n * 10 + i}\n"
        for n, gss in enumerate(councils)
        for code in ("a", "b")
        for i, period in enumerate(["2018-19", "2019-20"])
    )
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload", visibility="public")
    comparisons_recompute()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (reverse("home"), {}),
        (reverse("benchmarking:metric", args=["a"]), {"council": "E06000001"}),
        (
            reverse("benchmarking:compare"),
            {"metric_1": "a", "metric_2": "b", "group": "region:north-east"},
        ),
    ],
)
def test_chart_pages_load_plotlys_partial_bundle_deferred_within_the_budget(
    client, charts_data, url, params
):
    html = client.get(url, params).content.decode()
    scripts = page_scripts(html)
    assert "js/portal.js" in scripts
    assert "vendor/plotly.min.js" not in scripts  # the 4.8 MB full bundle
    if "app-chart" in html:
        assert "vendor/plotly-basic.min.js" in scripts
        tag = re.search(r"<script\b[^>]*plotly-basic[^>]*>", html).group(0)
        assert " defer" in tag
    assert sum(gzipped_size(s) for s in scripts) < BUDGET
