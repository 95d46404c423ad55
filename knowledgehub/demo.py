"""Demo content for the Knowledge Hub, on the demo users and real councils from the register.

Everything here is marked as demo content: the prose is invented to show how the hub works,
the councils are real. Safe to rerun: each item is found by its natural key first.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from knowledgehub import services
from knowledgehub.models import (
    CaseStudy,
    Community,
    Membership,
    MemberStatus,
    Offer,
    Post,
    Provider,
    Review,
    ReviewStatus,
    Theme,
    Thread,
)
from selfreg.models import Council, User

CASE_STUDIES = [
    {
        "title": "Priority-based budgeting with residents",
        "councils": ["E06000001"],
        "themes": ["financial-planning-and-management", "local-priorities-and-outcomes"],
        "summary": "Demo content. The council rebuilt its budget from zero, service by "
        "service, and asked residents to rank what mattered most.",
        "body": "## What the council did\n\nEvery budget line was challenged by a panel of "
        "officers and councillors. Residents ranked services in an online budget simulator "
        "and at **six community events**.\n\n- Budgeting started from outcomes, not last "
        "year's spend\n- Savings were found in back-office processes first\n\n"
        "Read more on [the Local Government Association's site](https://www.local.gov.uk/).",
        "outcomes": "A balanced budget two years running, with reserves kept above the "
        "council's minimum.",
        # Measures from the English revenue outturn dataset, where it has been imported.
        "metrics": ["fin-reserves-to-nre", "fin-reserves-change"],
    },
    {
        "title": "Early help hubs in schools",
        "councils": ["E06000005", "E06000001"],
        "themes": ["childrens-safeguarding"],
        "summary": "Demo content. Two neighbouring councils placed family support workers "
        "in primary schools so that families get help before problems escalate.",
        "body": "Family support workers are based in schools three days a week. Schools refer "
        "families directly, and workers meet parents at the school gate.",
        "outcomes": "Fewer repeat referrals to children's social care in the pilot areas.",
    },
    {
        "title": "Preventing homelessness through GP surgeries",
        "councils": ["E08000021"],
        "themes": ["housing", "nhs-integration"],
        "summary": "Demo content. Housing advisers held clinics in GP surgeries to reach "
        "people at risk of losing their home.",
        "body": "Housing advisers worked alongside social prescribers. Patients were referred "
        "by GPs when housing worries came up in appointments.",
        "outcomes": "More households helped at the prevention stage rather than in crisis.",
    },
    {
        "title": "A cross-party climate commission",
        "councils": ["E10000016"],
        "themes": ["climate", "organisational-and-place-leadership"],
        "summary": "Demo content. A commission of councillors from every party, businesses and "
        "young people set the county's route to net zero.",
        "body": "The commission met in public and published its evidence. Its plan was adopted "
        "unanimously by full council.",
        "outcomes": "",
    },
]

PROVIDERS = [
    {
        "slug": "sector-improvement-team",
        "name": "Sector improvement team",
        "kind": "sector",
        "manager": "staff@example.com",
        "description": "Demo content. The sector body's own improvement support, free to "
        "member councils.",
    },
    {
        "slug": "improvement-partners",
        "name": "Improvement Partners",
        "kind": "consultancy",
        "manager": "provider@example.com",
        "description": "Demo content. A small consultancy of former council officers.",
    },
    {
        "slug": "darlington-shared-services",
        "name": "Darlington shared services",
        "kind": "council",
        "council": "E06000005",
        "manager": "staff@example.com",
        "description": "Demo content. A council that sells the support it built for itself.",
    },
]

OFFERS = [
    ("sector-improvement-team", "Corporate peer challenge", "capacity-for-improvement",
     "a-free", "in_person", "4 days on site, with a follow-up visit"),
    ("sector-improvement-team", "Finance improvement and sustainability review",
     "financial-planning-and-management", "a-free", "blended", "6 weeks"),
    ("improvement-partners", "Budget challenge sessions", "financial-planning-and-management",
     "b-under-5k", "in_person", "2 days"),
    ("improvement-partners", "Scrutiny development programme", "governance-and-culture",
     "c-5k-20k", "online", "3 half-day workshops"),
    ("darlington-shared-services", "Adult social care front door redesign", "adult-social-care",
     "d-20k-50k", "blended", "3 months"),
]  # fmt: skip

# (offer title, council GSS code, overall rating, comment); the same rating is given for
# quality, value and impact except where noted by the spread below.
REVIEWS = [
    ("Corporate peer challenge", "E06000005", 5, "The team challenged us hard and fairly."),
    ("Corporate peer challenge", "E08000021", 4, "Good team; the report came a little late."),
    ("Corporate peer challenge", "E06000004", 4, "Useful, and the follow-up visit helped."),
    ("Corporate peer challenge", "E06000002", 5, "Honest, practical recommendations."),
    ("Corporate peer challenge", "E06000003", 5, "It gave our new leader a clear agenda."),
    ("Corporate peer challenge", "E08000022", 4, "Thorough; the pre-read was heavy."),
    ("Corporate peer challenge", "E08000023", 5, "The peers had done this job themselves."),
    ("Corporate peer challenge", "E08000024", 4, "Good, though the scope drifted."),
    ("Corporate peer challenge", "E06000047", 5, "Well worth the time of our top team."),
    ("Corporate peer challenge", "E06000057", 4, "A fair picture of where we are."),
    ("Budget challenge sessions", "E06000001", 4, "Practical and well prepared."),
    ("Budget challenge sessions", "E06000005", 2, "Too generic for a unitary council."),
    ("Scrutiny development programme", "E08000021", 5, "Our committee chairs loved it."),
    ("Adult social care front door redesign", "E06000004", 3, "Sound ideas, slow delivery."),
]


def seed(stdout) -> None:
    if not Council.objects.filter(gss_code="E06000001").exists():
        stdout.write("Knowledge Hub: the council register is not loaded; skipped.")
        return
    services.themes_load()
    users = {u.email: u for u in User.objects.filter(email__endswith="@example.com")}
    staff, officer = users.get("staff@example.com"), users.get("officer@example.com")
    if staff is None or officer is None:
        stdout.write("Knowledge Hub: demo users are missing; skipped.")
        return
    with transaction.atomic():
        made = _library(staff) + _communities(users) + _marketplace(users)
    stdout.write(f"Knowledge Hub demo content: {made} items created.")


def _library(staff) -> int:
    from benchmarking.models import Metric

    made = 0
    for item in CASE_STUDIES:
        if CaseStudy.objects.filter(title=item["title"], is_demo=True).exists():
            continue
        case_study = services.case_study_save(
            user=staff,
            title=item["title"],
            summary=item["summary"],
            body=item["body"],
            outcomes=item["outcomes"],
            councils=Council.objects.filter(gss_code__in=item["councils"]),
            themes=Theme.objects.filter(slug__in=item["themes"]),
            metrics=Metric.objects.filter(code__in=item.get("metrics", [])),
        )
        CaseStudy.objects.filter(pk=case_study.pk).update(is_demo=True)
        services.case_study_submit(user=staff, case_study=case_study)
        services.case_study_decide(user=staff, case_study=case_study, publish=True)
        made += 1
    return made


def _communities(users) -> int:
    staff = users["staff@example.com"]
    officer = users["officer@example.com"]
    councillor = users.get("councillor@example.com")
    made = 0
    groups = {}
    for slug, name, kind, description in [
        ("finance-and-budgets", "Finance and budgets", "open",
         "Demo content. For officers and councillors who set and scrutinise council budgets."),
        ("childrens-services-leaders", "Children's services leaders", "closed",
         "Demo content. A closed group for directors of children's services and their teams."),
    ]:  # fmt: skip
        group = Community.objects.filter(slug=slug).first()
        if group is None:
            group = services.community_create(
                user=staff, name=name, description=description, kind=kind
            )
            Community.objects.filter(pk=group.pk).update(slug=slug)
            group.slug = slug
            made += 1
        groups[slug] = group
    finance = groups["finance-and-budgets"]
    if councillor is not None:
        services.community_join(user=councillor, community=finance)
    if not Thread.objects.filter(community=finance).exists():
        Membership.objects.get_or_create(
            community=finance, user=officer, defaults={"status": MemberStatus.MEMBER}
        )
        thread = services.thread_start(
            user=officer,
            community=finance,
            title="How do you consult residents on the budget?",
            body="Demo content. We are planning next year's budget consultation. Has anyone "
            "used an online budget simulator, and did it reach people beyond the usual voices?",
        )
        Post.objects.create(
            thread=thread,
            author=staff,
            body="Demo content. Several councils have; the library has a case study on "
            "**priority-based budgeting with residents**.",
            notified_at=timezone.now(),
        )
        made += 1
    return made


def _marketplace(users) -> int:
    staff = users["staff@example.com"]
    made = 0
    providers = {}
    for item in PROVIDERS:
        provider = Provider.objects.filter(slug=item["slug"]).first()
        if provider is None:
            provider = Provider.objects.create(
                slug=item["slug"],
                name=item["name"],
                kind=item["kind"],
                council=Council.objects.filter(gss_code=item.get("council", "")).first(),
                description=item["description"],
                is_demo=True,
            )
            made += 1
        manager = users.get(item["manager"])
        if manager is not None:
            provider.managers.add(manager)
        providers[item["slug"]] = provider
    themes = {t.slug: t for t in Theme.objects.all()}
    offers = {}
    for slug, title, theme, band, mode, duration in OFFERS:
        offer = Offer.objects.filter(provider=providers[slug], title=title).first()
        if offer is None:
            offer = Offer.objects.create(
                provider=providers[slug],
                title=title,
                theme=themes[theme],
                description=f"Demo content. {title}: what it covers, how it runs and what a "
                "council gets at the end.",
                delivery_mode=mode,
                typical_duration=duration,
                price_band=band,
                suits="Demo content. Councils of any type that want an outside view.",
            )
            made += 1
        offers[title] = offer
    officer = users["officer@example.com"]
    for title, gss, rating, comment in REVIEWS:
        offer = offers[title]
        council = Council.objects.get(gss_code=gss)
        if Review.objects.filter(offer=offer, council=council).exists():
            continue
        Review.objects.create(
            offer=offer,
            council=council,
            author=officer if gss == "E06000001" else None,
            rating=rating,
            quality=rating,
            value=max(1, rating - 1),
            impact=rating,
            comment=f"Demo content. {comment}",
            engaged_on=datetime.date(2025, 2, 1),
            status=ReviewStatus.PUBLISHED,
            moderated_by=staff,
            moderated_at=timezone.now(),
            verified_by=staff if rating >= 4 else None,
            verified_at=timezone.now() if rating >= 4 else None,
        )
        made += 1
    # One review waiting for sector staff, so the moderation queue has something in it.
    pending_offer = offers["Scrutiny development programme"]
    darlington = Council.objects.get(gss_code="E06000005")
    if not Review.objects.filter(offer=pending_offer, council=darlington).exists():
        Review.objects.create(
            offer=pending_offer,
            council=darlington,
            rating=3,
            quality=3,
            value=3,
            impact=3,
            comment="Demo content. Helpful, though the sessions overran.",
            engaged_on=datetime.date(2025, 5, 1),
        )
        made += 1
    return made
