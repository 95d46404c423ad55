"""Readers share reads until the figures change; no one is given another's figures."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from benchmarking import readcache
from benchmarking.models import Metric, Value
from benchmarking.services import (
    comparisons_recompute_pending,
    metrics_import,
    values_delete,
    values_import,
)
from selfreg.fileproblems import read_table
from tests.benchmarking.test_sharing import values  # noqa: F401 (a fixture)
from tests.conftest import sign_in_fully


class Counted:
    """A read that counts how often it was worked out."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"call": self.calls}


@pytest.fixture
def emptied_cache():
    cache.clear()
    yield
    cache.clear()


def test_readers_who_see_the_same_figures_share_one_copy_until_they_change(
    db, emptied_cache, users
):
    read = Counted()
    for user in (AnonymousUser(), users["peer"], users["provider"], AnonymousUser()):
        assert readcache.shared(user, "test", (1,), read) == {"call": 1}
    assert readcache.shared(AnonymousUser(), "test", (2,), read) == {"call": 2}
    readcache.changed()
    assert readcache.shared(AnonymousUser(), "test", (1,), read) == {"call": 3}


def test_readers_who_see_other_figures_have_their_own_copy(db, emptied_cache, users):
    """An officer and a councillor of Hartlepool see its own figures; an officer elsewhere
    and sector staff see others; the public see neither."""
    read = Counted()
    calls = {
        role: readcache.shared(users[role] if role != "public" else None, "test", (1,), read)
        for role in ("public", "officer", "councillor", "other_officer", "sector_staff")
    }
    assert calls == {
        "public": {"call": 1},
        "officer": {"call": 2},
        "councillor": {"call": 2},
        "other_officer": {"call": 3},
        "sector_staff": {"call": 4},
    }


def test_a_lost_generation_starts_above_every_one_used_before(db, emptied_cache):
    before = readcache.generation()
    cache.delete(readcache.GENERATION_KEY)
    assert readcache.generation() > before
    cache.delete(readcache.GENERATION_KEY)
    readcache.changed()
    assert readcache.generation() > before


def test_saving_a_measure_one_at_a_time_is_a_change(db, emptied_cache):
    metrics_import(rows=[{"code": "sat", "title": "Satisfied", "element": "perception"}])
    before = readcache.generation()
    metric = Metric.objects.get(code="sat")
    metric.title = "Satisfied with the council"
    metric.save()
    assert readcache.generation() > before


@pytest.fixture
def figures(values, emptied_cache):  # noqa: F811 (the fixture imported above)
    """Hartlepool and two other councils, each with a perception and a cost figure, public
    and compared."""
    comparisons_recompute_pending()


def dashboard_codes(client) -> set[str]:
    """The measures a dashboard's rows link to, read from the page as sent (a page served
    from the cache has no template context)."""
    page = client.get(reverse("benchmarking:council", args=["E06000001"]))
    assert page.status_code == 200
    return set(re.findall(r'href="/benchmarking/metrics/([^/]+)/\?', page.content.decode()))


def comparison_councils(client) -> set[str]:
    query = {"metric": "sat", "period": "latest", "group": "all"}
    found = client.get("/api/v1/comparisons/", query)
    assert found.status_code == 200
    return {c["gss_code"] for c in found.json()["councils"]}


def test_a_figure_kept_to_its_council_leaves_the_public_pages_at_once(figures, users):
    public = Client()
    assert dashboard_codes(public) == {"sat", "cost"}
    assert "E06000001" in comparison_councils(public)
    officer = Client()
    sign_in_fully(officer, users["officer"])
    url = reverse("benchmarking:sharing", args=["E06000001"])
    officer.post(url, {"perception": "council", "cost": "public", "outcome": "public"})
    # Before the comparisons are recomputed, and after.
    assert dashboard_codes(public) == {"cost"}
    comparisons_recompute_pending()
    assert dashboard_codes(public) == {"cost"}
    assert "E06000001" not in comparison_councils(public)
    # The officer still sees it, from a copy of their own that no one else is given.
    assert dashboard_codes(officer) == {"sat", "cost"}
    assert dashboard_codes(officer) == {"sat", "cost"}
    assert dashboard_codes(public) == {"cost"}
    staff = Client()
    sign_in_fully(staff, users["sector_staff"])
    assert dashboard_codes(staff) == {"cost"}


def test_new_and_deleted_figures_show_on_the_public_pages(figures, hartlepool):
    public = Client()
    assert dashboard_codes(public) == {"sat", "cost"}
    values_delete(council=hartlepool, period="2019-20", metric_codes=["sat"])
    assert dashboard_codes(public) == {"cost"}
    text = "gss_code,metric_code,period,value\nE06000001,sat,2020-21,7\n"
    values_import(frame=read_table(text.encode(), "v.csv"), source="upload")
    assert dashboard_codes(public) == {"sat", "cost"}
    value = Value.objects.get(council=hartlepool, metric__code="sat")
    value.visibility = "sector"
    value.save()
    assert dashboard_codes(public) == {"cost"}


def test_whole_pages_are_kept_for_visitors_who_are_not_signed_in(figures, users):
    url = reverse("benchmarking:council", args=["E06000001"])
    public = Client()
    first, second = public.get(url), public.get(url)
    assert first.context is not None  # worked out
    assert second.context is None  # sent as kept
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # Not kept: parameters the page does not read, searches, and anyone signed in.
    for query in ({"unknown": "1"}, {"q": "Satisfied"}):
        assert public.get(url, query).context is not None
        assert public.get(url, query).context is not None
    officer = Client()
    sign_in_fully(officer, users["officer"])
    assert officer.get(url).context is not None
    assert officer.get(url).context is not None


def test_a_page_kept_at_one_address_is_not_sent_at_another(figures):
    """A page names its own address (for a printed copy): one kept as asked of one host is
    not sent to a reader who asked another."""
    url = reverse("benchmarking:council", args=["E06000001"])
    public = Client()
    public.get(url)
    assert public.get(url).context is None
    elsewhere = public.get(url, HTTP_HOST="localhost")
    assert elsewhere.context is not None
    assert f"http://localhost{url}" in elsewhere.content.decode()
    assert f"http://testserver{url}" not in elsewhere.content.decode()
    assert public.get(url, HTTP_HOST="localhost").context is None


def test_a_kept_page_is_not_sent_once_the_figures_change(figures, hartlepool):
    url = reverse("benchmarking:council", args=["E06000001"])
    public = Client()
    public.get(url)
    assert public.get(url).context is None
    values_delete(council=hartlepool, period="2019-20", metric_codes=["cost"])
    page = public.get(url)
    assert page.context is not None
    assert "/benchmarking/metrics/cost/" not in page.content.decode()


def test_nothing_is_kept_in_one_process_memory(db, settings, users):
    """Without Redis (a cache of each process's own memory) a copy kept in one process would
    not hear of a change made in another: every read is worked out."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    read = Counted()
    assert readcache.shared(None, "test", (1,), read) == {"call": 1}
    assert readcache.shared(None, "test", (1,), read) == {"call": 2}
