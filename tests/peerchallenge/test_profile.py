"""A peer's profile form: dates they are not available, not week numbers; named levels of
expertise, not decimals. The matcher still reads weeks and numbers (issue #17)."""

import datetime
import re

import pytest
from django.urls import reverse

from peerchallenge import exchange
from peerchallenge.models import Peer
from tests.peerchallenge.builders import make_challenge, make_peer, make_round

pytestmark = pytest.mark.django_db
URL = reverse("peerchallenge:peer_profile")


def profile(**fields):
    return {
        "days_offered": "10",
        "conflicts": "",
        "party": "",
        "organisation": "",
        **fields,
    }


def checked(html: str, name: str) -> list[str]:
    inputs = re.findall(r"<input[^>]*>", html, re.S)
    return [
        re.search(r'value="([^"]*)"', tag)[1]
        for tag in inputs
        if f'name="{name}"' in tag and "checked" in tag
    ]


def test_the_form_asks_for_dates_and_named_levels(client_for, users):
    make_peer("E08000007", "chief_exec", user=users["peer"], expertise={"housing": 0.9})
    html = client_for(users["peer"]).get(URL).text
    assert "First day you are not available" in html and "week" not in html.lower()
    assert "0 (none) to 1 (expert)" not in html
    for level in ("Some knowledge", "Experienced", "Expert"):
        assert level in html
    # A stored 0.9 reads as the nearest level; an area never given reads as none.
    assert checked(html, "expertise_housing") == ["expert"]
    assert checked(html, "expertise_climate") == ["none"]


def test_a_peer_gives_dates_and_levels_and_the_matcher_gets_weeks_and_numbers(client_for, users):
    peer = make_peer("E08000007", "chief_exec", user=users["peer"], expertise={})
    client = client_for(users["peer"])
    response = client.post(
        URL,
        profile(
            away_from_0="2",
            away_from_1="8",
            away_from_2="2027",
            away_to_0="13",
            away_to_1="8",
            away_to_2="2027",
            **{"expertise_financial-planning": "expert", "expertise_housing": "some"},
        ),
    )
    assert response.status_code == 302
    peer = Peer.objects.get(pk=peer.pk)
    assert peer.unavailable_periods == [["2027-08-02", "2027-08-13"]]
    assert peer.expertise == {"financial-planning": 1.0, "housing": 0.33}
    page = client.get(reverse("peerchallenge:peer_detail", args=[peer.pk])).text
    assert "2 August 2027 to 13 August 2027" in page
    assert '<td class="govuk-table__cell">Some knowledge</td>' in page

    # A single day is added with the first day alone; a period is removed by ticking it.
    client.post(URL, profile(away_from_0="24", away_from_1="12", away_from_2="2027"))
    peer.refresh_from_db()
    assert peer.unavailable_periods == [
        ["2027-08-02", "2027-08-13"],
        ["2027-12-24", "2027-12-24"],
    ]
    page = client.get(reverse("peerchallenge:peer_detail", args=[peer.pk])).text
    assert "2 August 2027 to 13 August 2027" in page and "24 December 2027" in page
    client.post(URL, profile(remove_periods=["2027-08-02/2027-08-13"]))
    peer.refresh_from_db()
    assert peer.unavailable_periods == [["2027-12-24", "2027-12-24"]]
    assert peer.expertise == {}  # nothing chosen is "None"

    matching_round = make_round(2027)
    make_challenge(matching_round=matching_round)
    instance, _, _ = exchange.round_instance(matching_round)
    entry = next(p for p in instance["peers"] if p["id"] == str(peer.pk))
    assert entry["unavailable_weeks"] == [51]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "away_from_0": "13",
                "away_from_1": "8",
                "away_from_2": "2027",
                "away_to_0": "2",
                "away_to_1": "8",
                "away_to_2": "2027",
            },
            "The last day must be the same as or after the first",
        ),
        (
            {"away_to_0": "2", "away_to_1": "8", "away_to_2": "2027"},
            "Enter the first day you are not available",
        ),
        ({"away_from_0": "31", "away_from_1": "2", "away_from_2": "2027"}, "Enter"),
        ({"expertise_housing": "0.5"}, "Select a valid choice"),
    ],
)
def test_a_bad_period_or_level_is_refused_and_changes_nothing(client_for, users, fields, message):
    peer = make_peer(
        "E08000007",
        "chief_exec",
        user=users["peer"],
        periods=[(datetime.date(2027, 1, 11), datetime.date(2027, 1, 15))],
    )
    before = (peer.unavailable_periods, peer.expertise)
    response = client_for(users["peer"]).post(URL, profile(**fields))
    assert response.status_code == 400 and message in response.text
    assert "govuk-error-summary" in response.text
    peer = Peer.objects.get(pk=peer.pk)
    assert (peer.unavailable_periods, peer.expertise) == before
