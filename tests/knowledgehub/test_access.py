"""The Knowledge Hub's access rules, each walked with every role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgehub import access
from tests.conftest import ROLE_NAMES
from tests.knowledgehub import helpers

RULES = {
    # rule: roles for which it holds
    "can_write_case_study": {"officer", "other_officer", "sector_staff"},
    "can_publish": {"sector_staff"},
    "can_create_community": {"sector_staff"},
    "can_create_provider": {"provider", "sector_staff", "officer", "other_officer"},
    "can_moderate_reviews": {"sector_staff"},
}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_role_rules(users, rule, role):
    user = users[role]
    if user is None:
        user = AnonymousUser()
    assert getattr(access, rule)(user) is (role in RULES[rule])


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_review_and_for_which_council(users, role):
    offer = helpers.offer(users["provider"], helpers.provider(users["provider"]))
    user = users[role]
    if user is None:
        user = AnonymousUser()
    councils = set(access.reviewing_councils(user, offer).values_list("gss_code", flat=True))
    expected = {
        "officer": {"E06000001"},
        "councillor": {"E06000001"},
        "other_officer": {"E06000005"},
    }.get(role, set())
    assert councils == expected
    assert access.can_review(user, offer) is bool(expected)


def test_a_withdrawn_offer_is_hidden_and_cannot_be_reviewed(users, client_for):
    provider = helpers.provider(users["provider"])
    offer = helpers.offer(users["provider"], provider, is_active=False)
    assert not access.can_review(users["officer"], offer)
    assert client_for(users["officer"]).get(offer.get_absolute_url()).status_code == 404
    assert client_for(users["provider"]).get(offer.get_absolute_url()).status_code == 200
    assert (
        client_for(None).get("/knowledge-hub/marketplace/").content.decode().count(offer.title) == 0
    )


def test_editing_a_draft_updates_its_search_document(users, client_for):
    from knowledgehub.models import CaseStudy
    from knowledgehub.search import search_case_studies

    item = helpers.case_study(users["officer"], title="Waste rounds", body="Lorries.")
    response = client_for(users["officer"]).post(
        f"/knowledge-hub/case-studies/{item.pk}/edit/",
        {
            "kind": "case_study",
            "title": "Waste rounds",
            "summary": "Fewer missed bins.",
            "body": "Rerouted lorries using telematics.",
            "council_codes": "E06000001",
            "themes": [helpers.theme().pk],
            "metric_codes": "",
        },
    )
    assert response.status_code == 302
    hits = search_case_studies(CaseStudy.objects.all(), "telematics")
    assert [h.case_study.pk for h in hits] == [item.pk]
