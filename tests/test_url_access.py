"""Every URL of the portal, opened by every role.

The tables state, for each named URL, what each role gets: the kernel's, benchmarking's and
self-assessment's below, each other app's in `tests/<app>/url_table.py`. A URL added without
a row fails `test_every_url_is_in_the_table`, so no page escapes this walk.

An app table may define `placeholders(users) -> {"NAME": value}`: objects it creates for the
walk, whose values replace those names in its kwargs (as "FOOTPRINT" is replaced here).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from selfreg import services
from tests.conftest import ROLE_NAMES
from tests.earlywarning import url_table as earlywarning_urls
from tests.knowledgehub import url_table as knowledgehub_urls
from tests.peerchallenge import url_table as peerchallenge_urls
from tests.selfreg import account_url_table as account_urls
from tests.url_roles import (
    ALL_OK,
    CAN_CREATE,
    FORBIDDEN,
    NOT_ALLOWED,
    OK,
    POST_ONLY,
    REDIRECT_LOGIN,
    SIGNED_IN_404,
    SIGNED_IN_OK,
    UPLOAD_MISSING,
)

ASSESSMENT = {"gss_code": "E06000001", "year": "2025-26"}

# name: (kwargs, expected status by role)
TABLE = {
    "home": ({}, ALL_OK),
    "accessibility": ({}, ALL_OK),
    "login": ({}, {**ALL_OK, **dict.fromkeys(ROLE_NAMES[1:], 302)}),
    "logout": ({}, dict.fromkeys(ROLE_NAMES, NOT_ALLOWED)),
    "account": ({}, SIGNED_IN_OK),
    "council_list": ({}, ALL_OK),
    "council_detail": ({"gss_code": "E06000001"}, ALL_OK),
    "council_self_assessment": ({"gss_code": "E06000001"}, dict.fromkeys(ROLE_NAMES, 302)),
    "grouping_list": ({}, ALL_OK),
    "grouping_create": ({}, CAN_CREATE),
    "grouping_detail": ({"slug": "FOOTPRINT"}, ALL_OK),
    "grouping_invite": ({"slug": "FOOTPRINT"}, POST_ONLY),
    "grouping_remove": ({"slug": "FOOTPRINT", "gss_code": "E06000005"}, POST_ONLY),
    "invitation_answer": ({"slug": "FOOTPRINT", "gss_code": "E06000005"}, POST_ONLY),
    "assessment:index": ({}, ALL_OK),
    "assessment:survey_list": ({"gss_code": "E06000001"}, ALL_OK),
    "assessment:overview": ({"gss_code": "E06000001"}, ALL_OK),
    # No framework is loaded in this walk, so those who may start one get 404.
    "assessment:assessment_new": (
        {"gss_code": "E06000001"},
        {
            **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
            "anonymous": REDIRECT_LOGIN,
            "officer": 404,
            "sector_staff": 404,
        },
    ),
    # No assessment exists in this walk; tests/assessment/test_pages.py opens them with data.
    "assessment:detail": (ASSESSMENT, dict.fromkeys(ROLE_NAMES, 404)),
    "assessment:theme": ({**ASSESSMENT, "code": "leadership"}, dict.fromkeys(ROLE_NAMES, 404)),
    "assessment:consultation": (ASSESSMENT, dict.fromkeys(ROLE_NAMES, 404)),
    "assessment:respond": (ASSESSMENT, dict.fromkeys(ROLE_NAMES, 404)),
    "assessment:consultation_replies": (ASSESSMENT, SIGNED_IN_404),
    "assessment:transition": ({**ASSESSMENT, "state": "consultation"}, SIGNED_IN_404),
    "assessment:moderation": (ASSESSMENT, SIGNED_IN_404),
    "assessment:scrutiny": (ASSESSMENT, SIGNED_IN_404),
    "assessment:scrutiny_answer": ({**ASSESSMENT, "comment_id": 999999}, POST_ONLY),
    # Recording a survey: the council's own officers and sector staff.
    "assessment:survey_new": (
        {"gss_code": "E06000001"},
        {
            **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
            "anonymous": REDIRECT_LOGIN,
            "officer": OK,
            "sector_staff": OK,
        },
    ),
    "benchmarking:index": ({}, ALL_OK),
    "benchmarking:upload": ({}, CAN_CREATE),
    "benchmarking:upload_history": ({}, CAN_CREATE),
    "benchmarking:upload_template": ({}, ALL_OK),
    "benchmarking:measure_codes": ({}, ALL_OK),
    "benchmarking:values_entry": ({}, CAN_CREATE),
    # No upload exists in this walk; tests/benchmarking/test_uploads.py opens them with data.
    "benchmarking:upload_detail": ({"upload_id": 999999}, UPLOAD_MISSING),
    "benchmarking:upload_progress": ({"upload_id": 999999}, UPLOAD_MISSING),
    "benchmarking:upload_confirm": ({"upload_id": 999999}, POST_ONLY),
    "benchmarking:council": ({"gss_code": "E06000001"}, ALL_OK),
    # Public: similar councils and the context figures behind them are open data.
    "benchmarking:similar": ({"gss_code": "E06000001"}, ALL_OK),
    "benchmarking:compare": ({}, ALL_OK),
    "benchmarking:measures": ({}, ALL_OK),
    "benchmarking:data_updates": ({}, ALL_OK),
    "benchmarking:compare_save": ({}, POST_ONLY),
    "benchmarking:compare_saved": ({"slug": "no-such-link"}, dict.fromkeys(ROLE_NAMES, 404)),
    # Only the council's own officers choose what it shares.
    "benchmarking:sharing": (
        {"gss_code": "E06000001"},
        {**dict.fromkeys(ROLE_NAMES, FORBIDDEN), "anonymous": REDIRECT_LOGIN, "officer": OK},
    ),
    # No metric exists in this walk; tests/benchmarking/test_pages.py opens them with data.
    "benchmarking:metric": ({"code": "NO-SUCH-METRIC"}, dict.fromkeys(ROLE_NAMES, 404)),
    "api_schema": ({}, ALL_OK),
    "api_council_list": ({}, ALL_OK),
    "api_council_detail": ({"gss_code": "E06000001"}, ALL_OK),
    "api_council_similar": ({"gss_code": "E06000001"}, ALL_OK),
    "api_metric_list": ({}, ALL_OK),
    # No metric exists in this walk; tests/benchmarking/test_api.py opens them with data.
    "api_metric_detail": ({"code": "NO-SUCH-METRIC"}, dict.fromkeys(ROLE_NAMES, 404)),
    "api_value_list": ({}, ALL_OK),
    "api_comparison": ({}, dict.fromkeys(ROLE_NAMES, 400)),
    "api_docs": ({}, ALL_OK),
}

# POSTs to the state-changing URLs: who may do it (302 back to a page) and who may not.
POST_TABLE = {
    "grouping_invite": (
        {"slug": "FOOTPRINT"},
        {"gss_code": "E06000004"},
        {
            **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
            "anonymous": REDIRECT_LOGIN,
            "officer": 302,
            "sector_staff": 302,
        },
    ),
    "grouping_remove": (
        {"slug": "FOOTPRINT", "gss_code": "E06000005"},
        {},
        {
            **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
            "anonymous": REDIRECT_LOGIN,
            "officer": 302,
            "sector_staff": 302,
        },
    ),
    "benchmarking:upload_confirm": ({"upload_id": 999999}, {}, UPLOAD_MISSING),
    "invitation_answer": (
        {"slug": "FOOTPRINT", "gss_code": "E06000005"},
        {"answer": "accept"},
        {
            **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
            "anonymous": REDIRECT_LOGIN,
            "other_officer": 302,
        },
    ),
}


APP_TABLES = [account_urls, earlywarning_urls, knowledgehub_urls, peerchallenge_urls]
ALL_GETS = {**TABLE}
APP_POSTS = {}
for app_table in APP_TABLES:
    ALL_GETS.update(app_table.TABLE)
    APP_POSTS.update(app_table.POST_TABLE)


def url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_table():
    assert set(url_names()) == set(ALL_GETS)


@pytest.fixture
def footprint(users, hartlepool, darlington):
    grouping = services.grouping_create(user=users["officer"], owner=hartlepool, name="Tees")
    services.grouping_invite(user=users["officer"], grouping=grouping, council=darlington)
    return grouping


@pytest.fixture
def placeholders(users, footprint):
    """Names in the tables' kwargs and the objects' keys that replace them."""
    values = {"FOOTPRINT": footprint.slug}
    for app_table in APP_TABLES:
        if hasattr(app_table, "placeholders"):
            values.update(app_table.placeholders(users))
    return values


def check(response, expected):
    if expected == REDIRECT_LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


def resolve(kwargs, placeholders):
    return {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("name", sorted(ALL_GETS))
def test_get_every_url_as_every_role(client_for, users, placeholders, name, role):
    kwargs, expected = ALL_GETS[name]
    response = client_for(users[role]).get(reverse(name, kwargs=resolve(kwargs, placeholders)))
    check(response, expected[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("name", sorted(POST_TABLE))
def test_post_every_action_as_every_role(client_for, users, footprint, placeholders, name, role):
    kwargs, data, expected = POST_TABLE[name]
    url = reverse(name, kwargs=resolve(kwargs, placeholders))
    before = sorted(footprint.memberships.values_list("council__gss_code", "status"))
    response = client_for(users[role]).post(url, data)
    check(response, expected[role])
    after = sorted(footprint.memberships.values_list("council__gss_code", "status"))
    assert (after != before) is (expected[role] == 302)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("name", sorted(APP_POSTS))
def test_post_every_app_action_as_every_role(client_for, users, placeholders, name, role):
    """The apps' state-changing URLs: who may act. Each app's own tests check what changed."""
    kwargs, data, expected = APP_POSTS[name]
    response = client_for(users[role]).post(
        reverse(name, kwargs=resolve(kwargs, placeholders)), resolve(data, placeholders)
    )
    check(response, expected[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_admin_is_for_site_staff_only(client_for, users, role):
    response = client_for(users[role]).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
