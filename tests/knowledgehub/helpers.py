"""Building Knowledge Hub content for tests through the services, so the rules apply."""

import datetime

from knowledgehub import services
from knowledgehub.models import CaseStudyState, Theme
from tests.factories import council


def theme(slug="financial-planning-and-management"):
    services.themes_load()
    return Theme.objects.get(slug=slug)


def case_study(user, *, state=CaseStudyState.DRAFT, staff=None, gss="E06000001", **fields):
    values = {
        "title": "Zero-based budgeting in Hartlepool",
        "summary": "How the council rebuilt its budget from zero.",
        "body": "The council reviewed every budget line with residents.",
        "outcomes": "Savings of £2m a year.",
        "councils": [council(gss)],
        "themes": [theme()],
        **fields,
    }
    item = services.case_study_save(user=user, **values)
    if state in (CaseStudyState.IN_REVIEW, CaseStudyState.PUBLISHED):
        services.case_study_submit(user=user, case_study=item)
    if state == CaseStudyState.PUBLISHED:
        services.case_study_decide(user=staff, case_study=item, publish=True)
    item.refresh_from_db()
    return item


def community(staff, *, kind="open", name="Finance directors"):
    return services.community_create(
        user=staff, name=name, description="For people who run council finances.", kind=kind
    )


def provider(user, *, name="Improvement Partners", kind="consultancy", council_=None):
    return services.provider_create(
        user=user, name=name, kind=kind, description="We help councils.", council=council_
    )


def offer(user, provider_, *, title="Budget challenge sessions", **fields):
    values = {
        "title": title,
        "theme": theme(),
        "description": "Two days of challenge on the medium-term plan.",
        "delivery_mode": "in_person",
        "typical_duration": "2 days",
        "price_band": "b-under-5k",
        "suits": "Councils with a budget gap.",
        "is_active": True,
        **fields,
    }
    return services.offer_save(user=user, provider=provider_, **values)


def review(user, offer_, *, gss="E06000001", rating=4, staff=None, **fields):
    values = {
        "rating": rating,
        "quality": rating,
        "value": rating,
        "impact": rating,
        "comment": "Useful and well run.",
        "engaged_on": datetime.date(2025, 3, 1),
        **fields,
    }
    item = services.review_save(user=user, offer=offer_, council=council(gss), **values)
    if staff is not None:
        services.review_moderate(user=staff, review=item, publish=True)
    return item
