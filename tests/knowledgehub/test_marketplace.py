"""The improvement-support marketplace: who may review, moderate, verify and reply; the
comparison page's fair ordering; and safety of everything written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from knowledgehub import access, selectors, services
from knowledgehub.models import Provider, Review, ReviewReply, ReviewStatus
from selfreg.refusals import Refused
from tests.factories import RoleFactory, UserFactory, council
from tests.inert import assert_inert
from tests.knowledgehub import helpers

XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)>'


@pytest.fixture
def offer(users):
    provider = helpers.provider(users["provider"])
    return helpers.offer(users["provider"], provider)


def test_providers_and_staff_list_providers_and_offers(users):
    for role in ["councillor", "peer"]:
        with pytest.raises(PermissionDenied):
            helpers.provider(users[role])
    provider = helpers.provider(users["provider"])
    with pytest.raises(PermissionDenied):
        helpers.offer(users["other_officer"], provider)
    helpers.offer(users["sector_staff"], provider, title="Sector offer")


@pytest.mark.parametrize("role", ["officer", "councillor"])
def test_council_people_review_for_their_council(users, offer, role):
    review = helpers.review(users[role], offer)
    assert review.status == ReviewStatus.PENDING
    assert review.council == council("E06000001")


@pytest.mark.parametrize("role", ["sector_staff", "peer", "provider"])
def test_others_cannot_review(users, offer, role):
    assert not access.can_review(users[role], offer)
    with pytest.raises(PermissionDenied):
        helpers.review(users[role], offer)


def test_cannot_review_for_another_council(users, offer):
    with pytest.raises(PermissionDenied):
        helpers.review(users["officer"], offer, gss="E06000005")


def test_a_council_does_not_review_its_own_offer(users):
    provider = helpers.provider(
        users["sector_staff"],
        name="Hartlepool support",
        kind="council",
        council_=council("E06000001"),
    )
    own = helpers.offer(users["sector_staff"], provider)
    assert not access.can_review(users["officer"], own)
    assert access.can_review(users["other_officer"], own)


@pytest.mark.parametrize("kind", ["council", "consultancy", "voluntary"])
def test_a_provider_cannot_claim_to_be_a_council(users, kind):
    """A provider naming a council would stop that council's officers reviewing its offers."""
    hartlepool = council("E06000001")
    if kind == "council":
        with pytest.raises(Refused) as refused:
            helpers.provider(users["provider"], kind=kind, council_=hartlepool)
        assert "council's own officers" in str(refused.value)
        assert not Provider.objects.exists()
        return
    # Another kind of provider does not stand for a council, whatever it names.
    provider = helpers.provider(users["provider"], kind=kind, council_=hartlepool)
    assert provider.council is None
    assert access.can_review(users["officer"], helpers.offer(users["provider"], provider))


def test_a_councils_officers_list_their_own_council_only(users):
    hartlepool, darlington = council("E06000001"), council("E06000005")
    with pytest.raises(Refused):
        helpers.provider(users["officer"], kind="council", council_=darlington)
    with pytest.raises(Refused):
        helpers.provider(users["officer"], kind="consultancy")
    with pytest.raises(Refused):
        helpers.provider(users["provider"], kind="sector")
    own = helpers.provider(users["officer"], kind="council", council_=hartlepool)
    assert own.council == hartlepool
    assert own.managers.filter(pk=users["officer"].pk).exists()
    staff_listed = helpers.provider(
        users["sector_staff"], name="Darlington", kind="council", council_=darlington
    )
    assert staff_listed.council == darlington


def test_the_provider_form_refuses_a_claimed_council_by_name(users, client_for):
    response = client_for(users["provider"]).post(
        reverse("knowledgehub:provider_new"),
        {
            "name": "Hartlepool Borough Council",
            "kind": "council",
            "council_code": "E06000001",
            "description": "We are the council.",
        },
    )
    assert response.status_code == 400
    assert "council&#x27;s own officers" in response.content.decode()
    assert not Provider.objects.exists()


def test_one_review_per_council_updated_and_moderated_again(users, offer):
    staff = users["sector_staff"]
    first = helpers.review(users["officer"], offer, rating=2, staff=staff)
    services.review_verify(user=staff, review=first)
    second = helpers.review(users["councillor"], offer, rating=5, comment="Changed our mind")
    assert second.pk == first.pk
    assert Review.objects.count() == 1
    second.refresh_from_db()
    assert second.rating == 5
    assert second.status == ReviewStatus.PENDING  # back to moderation
    assert second.is_verified  # same engagement date: the confirmation stands
    third = helpers.review(users["officer"], offer, engaged_on=datetime.date(2025, 6, 1))
    third.refresh_from_db()
    assert not third.is_verified  # a different engagement needs confirming again


def test_future_engagement_is_refused(users, offer):
    with pytest.raises(Refused):
        helpers.review(users["officer"], offer, engaged_on=datetime.date(2999, 1, 1))
    assert not Review.objects.exists()


def test_reviews_show_only_after_moderation(users, offer, client_for):
    review = helpers.review(users["officer"], offer, comment="Pending words")
    public = client_for(None).get(offer.get_absolute_url()).content.decode()
    assert "Pending words" not in public
    own = client_for(users["councillor"]).get(offer.get_absolute_url()).content.decode()
    assert "Awaiting moderation" in own
    for role in ["officer", "provider"]:
        with pytest.raises(PermissionDenied):
            services.review_moderate(user=users[role], review=review, publish=True)
    response = client_for(users["sector_staff"]).post(
        reverse("knowledgehub:review_moderate", args=[review.pk]), {"decision": "publish"}
    )
    assert response.status_code == 302
    assert "Pending words" in client_for(None).get(offer.get_absolute_url()).content.decode()


def test_verification_by_staff_or_the_provider_only(users, offer):
    review = helpers.review(users["officer"], offer, staff=users["sector_staff"])
    for role in ["officer", "councillor", "other_officer", "peer"]:
        assert not access.can_verify(users[role], review)
        with pytest.raises(PermissionDenied):
            services.review_verify(user=users[role], review=review)
    services.review_verify(user=users["provider"], review=review)
    assert review.is_verified
    with pytest.raises(PermissionDenied):  # once confirmed, there is nothing to confirm
        services.review_verify(user=users["sector_staff"], review=review)


def test_provider_replies_once_to_a_published_review(users, offer, client_for):
    pending = helpers.review(users["other_officer"], offer, gss="E06000005")
    with pytest.raises(PermissionDenied):
        services.review_reply(user=users["provider"], review=pending, body="Too early")
    review = helpers.review(users["officer"], offer, staff=users["sector_staff"])
    for role in ["officer", "sector_staff", "peer"]:
        with pytest.raises(PermissionDenied):
            services.review_reply(user=users[role], review=review, body="Not mine to answer")
    client = client_for(users["provider"])
    url = reverse("knowledgehub:review_reply", args=[review.pk])
    assert client.post(url, {"body": "Thank you"}).status_code == 302
    assert ReviewReply.objects.get().body == "Thank you"
    assert client.post(url, {"body": "Again"}).status_code == 403
    assert ReviewReply.objects.count() == 1


def test_a_reply_saved_at_the_same_moment_is_refused_not_an_error(users, offer):
    review = helpers.review(users["officer"], offer, staff=users["sector_staff"])
    assert not hasattr(review, "reply")  # read before the other reply was saved
    ReviewReply.objects.create(review_id=review.pk, author=users["provider"], body="First")
    with pytest.raises(Refused, match="already has a reply"):
        services.review_reply(user=users["provider"], review=review, body="Second")
    assert list(ReviewReply.objects.values_list("body", flat=True)) == ["First"]


def test_comparison_sorts_by_fair_average_and_shows_every_rating(users):
    staff, provider_user = users["sector_staff"], users["provider"]
    provider = helpers.provider(provider_user)
    lone = helpers.offer(provider_user, provider, title="Lone five")
    established = helpers.offer(provider_user, provider, title="Established")
    poor = helpers.offer(provider_user, provider, title="Poorly rated", price_band="a-free")
    helpers.review(users["officer"], lone, rating=5, staff=staff)
    # Forty councils' reviews averaging 4.6.
    councils = [
        council_.gss_code
        for council_ in __import__("selfreg.models", fromlist=["Council"])
        .Council.objects.current()
        .with_gss()
        .filter(kind__in=["UA", "MD", "LBO", "CTY"])
        .exclude(gss_code__in=["E06000001"])[:42]
    ]
    for i, gss in enumerate(councils[:40]):
        reviewer = UserFactory(email=f"reviewer{i}@example.com")
        RoleFactory(user=reviewer, kind="officer", council=council(gss))
        helpers.review(reviewer, established, gss=gss, rating=5 if i < 24 else 4, staff=staff)
    for i, gss in enumerate(councils[40:42]):
        reviewer = UserFactory(email=f"critic{i}@example.com")
        RoleFactory(user=reviewer, kind="officer", council=council(gss))
        helpers.review(reviewer, poor, gss=gss, rating=1, staff=staff)
    rows = selectors.offer_comparison()
    assert [r.offer.title for r in rows] == ["Established", "Lone five", "Poorly rated"]
    assert rows[0].score.count == 40
    assert rows[0].score.mean == pytest.approx(4.6)
    assert rows[2].score.distribution == (2, 0, 0, 0, 0)
    # The filter narrows the list; low ratings stay visible.
    assert [r.offer.title for r in selectors.offer_comparison(price_band="a-free")] == [
        "Poorly rated"
    ]


def test_comparison_page_filters_and_shows_distribution(users, offer, client_for):
    helpers.review(users["officer"], offer, rating=1, staff=users["sector_staff"])
    client = client_for(None)
    page = client.get(reverse("knowledgehub:marketplace")).content.decode()
    assert offer.title in page
    assert "1 out of 5" in page
    filtered = client.get(reverse("knowledgehub:marketplace"), {"theme": "housing"})
    assert offer.title not in filtered.content.decode()


def test_attack_strings_in_every_marketplace_field_are_inert(users, client_for):
    staff = users["sector_staff"]
    provider = services.provider_create(
        user=users["provider"],
        name=XSS,
        kind="consultancy",
        description=XSS,
        website="https://example.org",
    )
    offer = services.offer_save(
        user=users["provider"],
        provider=provider,
        title=XSS,
        theme=helpers.theme(),
        description=XSS + "\n\n[x](javascript:alert(1))",
        delivery_mode="online",
        typical_duration=XSS[:100],
        price_band="a-free",
        suits=XSS,
        is_active=True,
    )
    review = helpers.review(users["officer"], offer, comment=XSS, staff=staff)
    pending = helpers.review(users["other_officer"], offer, gss="E06000005", comment=XSS)
    services.review_reply(user=users["provider"], review=review, body=XSS)
    assert pending.status == ReviewStatus.PENDING
    for user in [None, users["officer"], users["provider"], staff]:
        client = client_for(user)
        for url in [
            reverse("knowledgehub:marketplace"),
            provider.get_absolute_url(),
            offer.get_absolute_url(),
            reverse("knowledgehub:review_queue"),
        ]:
            response = client.get(url)
            if response.status_code in (302, 403):
                continue
            assert response.status_code == 200, url
            html = response.content.decode()
            assert_inert(html, page=True)
            assert "<script>alert" not in html


def test_provider_website_must_be_http(users, client_for):
    response = client_for(users["provider"]).post(
        reverse("knowledgehub:provider_new"),
        {
            "name": "Bad link",
            "kind": "consultancy",
            "description": "x",
            "website": "javascript:alert(1)",
        },
    )
    assert response.status_code == 400
    assert "Enter a web address" in response.content.decode()


def test_pages_read_a_fixed_number_of_queries_however_many_reviews(
    users, offer, client_for, django_assert_max_num_queries
):
    """The offer and comparison pages do not query once per review or per offer."""
    staff = users["sector_staff"]
    provider = offer.provider
    for i, gss in enumerate(["E06000002", "E06000003", "E06000004", "E06000005"]):
        reviewer = UserFactory(email=f"q{i}@example.com")
        RoleFactory(user=reviewer, kind="officer", council=council(gss))
        helpers.review(reviewer, offer, gss=gss, rating=1 + i, staff=staff)
        helpers.offer(users["provider"], provider, title=f"Extra offer {i}")
    client = client_for(users["provider"])
    with django_assert_max_num_queries(10):
        assert client.get(offer.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("knowledgehub:marketplace")).status_code == 200


def test_comparison_csv_follows_the_page_and_neutralises_formulas(users, client_for):
    provider = services.provider_create(
        user=users["provider"], name="=cmd|' /C calc'!A0", kind="consultancy", description="x"
    )
    offer = helpers.offer(users["provider"], provider, title="+SUM(A1:A9)")
    helpers.review(users["officer"], offer, rating=2, staff=users["sector_staff"])
    response = client_for(None).get(reverse("knowledgehub:marketplace_csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("offer,provider,provider_kind,theme")
    assert lines[1].startswith("'+SUM(A1:A9),'=cmd|' /C calc'!A0,Consultancy")
    assert lines[1].endswith(",0,1,0,0,0")
    filtered = client_for(None).get(reverse("knowledgehub:marketplace_csv"), {"theme": "housing"})
    assert len(filtered.content.decode().splitlines()) == 1


def test_provider_lists_itself_and_an_offer_through_the_forms(users, client_for):
    client = client_for(users["provider"])
    response = client.post(
        reverse("knowledgehub:provider_new"),
        {"name": "Tees Valley Improvement", "kind": "council", "council_code": "",
         "description": "We sell support."},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Choose the council" in response.content.decode()
    response = client.post(
        reverse("knowledgehub:provider_new"),
        {"name": "Tees Valley Improvement", "kind": "consultancy", "council_code": "e06000005",
         "description": "We sell support.", "website": "https://example.org"},
    )  # fmt: skip
    provider = users["provider"].managed_providers.get()
    assert response.url == provider.get_absolute_url()
    assert provider.council is None
    offer_data = {
        "title": "Shared audit service", "theme": helpers.theme("governance-and-culture").pk,
        "description": "Internal audit.", "delivery_mode": "blended",
        "typical_duration": "A year", "price_band": "c-5k-20k", "suits": "Districts",
        "is_active": "on",
    }  # fmt: skip
    response = client.post(reverse("knowledgehub:offer_new", args=[provider.slug]), offer_data)
    offer = provider.offers.get()
    assert response.url == offer.get_absolute_url()
    response = client.post(
        reverse("knowledgehub:offer_edit", args=[offer.pk]), {**offer_data, "is_active": ""}
    )
    offer.refresh_from_db()
    assert not offer.is_active
    # Another provider neither sees the withdrawn offer nor changes it.
    other = UserFactory(email="rival@example.com")
    RoleFactory(user=other, kind="provider", council=None)
    assert (
        client_for(other)
        .post(reverse("knowledgehub:offer_edit", args=[offer.pk]), offer_data)
        .status_code
        == 404
    )
