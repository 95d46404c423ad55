"""The knowledgehub URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).
`placeholders(users)` builds the objects whose ids replace the capitalised names below: a
draft case study of Hartlepool's (the officer's and councillor's council), one in review,
an open community the officer has joined and a closed one, a thread and a post, a
provider run by the provider user, its offer, a published review from Hartlepool and a
pending one from Darlington.
"""

from knowledgehub import services
from knowledgehub.models import CaseStudyState
from tests.conftest import ROLE_NAMES
from tests.knowledgehub import helpers
from tests.url_roles import (
    ALL_OK,
    FORBIDDEN,
    NOT_ALLOWED,
    OK,
    POST_ONLY,
    REDIRECT_LOGIN,
    SECTOR_ONLY,
    SIGNED_IN_OK,
)

NOT_FOUND = 404


def only(*roles, otherwise=FORBIDDEN, status=OK):
    return {
        **dict.fromkeys(ROLE_NAMES, otherwise),
        "anonymous": REDIRECT_LOGIN,
        **dict.fromkeys(roles, status),
    }


SIGNED_IN_302 = {**dict.fromkeys(ROLE_NAMES, 302), "anonymous": REDIRECT_LOGIN}
# A draft is seen by its council (officer, councillor) and sector staff; hidden from others.
DRAFT_SEEN = {
    **dict.fromkeys(ROLE_NAMES, NOT_FOUND),
    "officer": OK,
    "councillor": OK,
    "sector_staff": OK,
}
DRAFT_EDIT = {**DRAFT_SEEN, "anonymous": REDIRECT_LOGIN, "councillor": FORBIDDEN}
WRITERS = only("officer", "other_officer", "sector_staff")
PROVIDER_SIDE = only("provider", "sector_staff")
REVIEWERS = only("officer", "councillor", "other_officer")
STAFF_POST_ONLY = {**SECTOR_ONLY, "sector_staff": NOT_ALLOWED}

TABLE = {
    "knowledgehub:index": ({}, ALL_OK),
    "knowledgehub:search": ({}, ALL_OK),
    "knowledgehub_short": ({"rest": "search/"}, dict.fromkeys(ROLE_NAMES, 301)),
    "knowledgehub:case_study_new": ({}, WRITERS),
    "knowledgehub:case_study": ({"pk": "DRAFT"}, DRAFT_SEEN),
    "knowledgehub:case_study_edit": ({"pk": "DRAFT"}, DRAFT_EDIT),
    "knowledgehub:case_study_submit": ({"pk": "DRAFT"}, POST_ONLY),
    "knowledgehub:case_study_decide": ({"pk": "IN_REVIEW"}, SECTOR_ONLY),
    "knowledgehub:attachment_add": ({"pk": "DRAFT"}, DRAFT_EDIT),
    # Files are opened with real files in tests/knowledgehub/test_library.py.
    "knowledgehub:attachment": (
        {"pk": "DRAFT", "attachment_id": 999999},
        {**DRAFT_SEEN, **dict.fromkeys(["officer", "councillor", "sector_staff"], NOT_FOUND)},
    ),
    "knowledgehub:review_queue": ({}, SECTOR_ONLY),
    "knowledgehub:community_list": ({}, SIGNED_IN_OK),
    "knowledgehub:community_new": ({}, SECTOR_ONLY),
    "knowledgehub:community": ({"slug": "OPEN"}, SIGNED_IN_OK),
    "knowledgehub:community_join": ({"slug": "OPEN"}, POST_ONLY),
    "knowledgehub:community_leave": ({"slug": "OPEN"}, POST_ONLY),
    # A closed group's directory: its members only (here, the staff member who made it).
    "knowledgehub:community_members": ({"slug": "CLOSED"}, SECTOR_ONLY),
    "knowledgehub:community_requests": ({"slug": "CLOSED"}, SECTOR_ONLY),
    "knowledgehub:request_decide": ({"slug": "CLOSED", "membership_id": "REQUEST"}, POST_ONLY),
    "knowledgehub:report_dismiss": ({"slug": "OPEN", "report_id": "REPORT"}, POST_ONLY),
    # The officer has joined the open group; staff may post anywhere.
    "knowledgehub:thread_new": ({"slug": "OPEN"}, only("officer", "sector_staff")),
    "knowledgehub:thread": ({"slug": "OPEN", "thread_id": "THREAD"}, SIGNED_IN_OK),
    "knowledgehub:thread_follow": ({"slug": "OPEN", "thread_id": "THREAD"}, POST_ONLY),
    "knowledgehub:thread_lock": ({"slug": "OPEN", "thread_id": "THREAD"}, POST_ONLY),
    "knowledgehub:post_hide": ({"slug": "OPEN", "post_id": "POST"}, POST_ONLY),
    "knowledgehub:post_report": ({"slug": "OPEN", "post_id": "POST"}, SIGNED_IN_OK),
    "knowledgehub:marketplace": ({}, ALL_OK),
    "knowledgehub:marketplace_csv": ({}, ALL_OK),
    # Officers list their own council as a provider.
    "knowledgehub:provider_new": ({}, only("provider", "sector_staff", "officer", "other_officer")),
    "knowledgehub:provider": ({"slug": "PROVIDER"}, ALL_OK),
    "knowledgehub:offer_new": ({"slug": "PROVIDER"}, PROVIDER_SIDE),
    "knowledgehub:offer": ({"pk": "OFFER"}, ALL_OK),
    "knowledgehub:offer_edit": ({"pk": "OFFER"}, PROVIDER_SIDE),
    "knowledgehub:review_write": ({"pk": "OFFER"}, REVIEWERS),
    "knowledgehub:review_moderate": ({"review_id": "PENDING"}, STAFF_POST_ONLY),
    "knowledgehub:review_verify": ({"review_id": "REVIEW"}, POST_ONLY),
    "knowledgehub:review_reply": ({"review_id": "REVIEW"}, only("provider")),
}

POST_TABLE = {
    "knowledgehub:case_study_submit": (
        {"pk": "DRAFT"},
        {},
        {**DRAFT_EDIT, "officer": 302, "sector_staff": 302},
    ),
    "knowledgehub:case_study_decide": (
        {"pk": "IN_REVIEW"},
        {"decision": "publish"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:community_join": ({"slug": "OPEN"}, {}, SIGNED_IN_302),
    "knowledgehub:request_decide": (
        {"slug": "CLOSED", "membership_id": "REQUEST"},
        {"decision": "approve"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:thread_follow": (
        {"slug": "OPEN", "thread_id": "THREAD"},
        {"follow": "on"},
        SIGNED_IN_302,
    ),
    "knowledgehub:thread_lock": (
        {"slug": "OPEN", "thread_id": "THREAD"},
        {"lock": "on"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:post_hide": (
        {"slug": "OPEN", "post_id": "POST"},
        {"hide": "on"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:report_dismiss": (
        {"slug": "OPEN", "report_id": "REPORT"},
        {},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:review_moderate": (
        {"review_id": "PENDING"},
        {"decision": "publish"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    "knowledgehub:review_verify": (
        {"review_id": "REVIEW"},
        {},
        only("provider", "sector_staff", status=302),
    ),
    "knowledgehub:review_reply": (
        {"review_id": "REVIEW"},
        {"body": "Thank you for the review."},
        only("provider", status=302),
    ),
}


def placeholders(users):
    services.themes_load()
    officer, staff = users["officer"], users["sector_staff"]
    draft = helpers.case_study(officer, title="A draft")
    in_review = helpers.case_study(officer, title="In review", state=CaseStudyState.IN_REVIEW)
    open_group = helpers.community(staff, name="Open group")
    closed_group = helpers.community(staff, kind="closed", name="Closed group")
    services.community_join(user=officer, community=open_group)
    request = services.community_join(user=users["other_officer"], community=closed_group)
    thread = services.thread_start(
        user=officer, community=open_group, title="Budget consultation", body="How do you run it?"
    )
    post = thread.posts.get()
    report = services.post_report(user=staff, post=post, reason="Checking the walk")
    provider = helpers.provider(users["provider"])
    offer = helpers.offer(users["provider"], provider)
    review = helpers.review(officer, offer, staff=staff)
    pending = helpers.review(users["other_officer"], offer, gss="E06000005")
    return {
        "DRAFT": draft.pk,
        "IN_REVIEW": in_review.pk,
        "OPEN": open_group.slug,
        "CLOSED": closed_group.slug,
        "REQUEST": request.pk,
        "THREAD": thread.pk,
        "POST": post.pk,
        "REPORT": report.pk,
        "PROVIDER": provider.slug,
        "OFFER": offer.pk,
        "REVIEW": review.pk,
        "PENDING": pending.pk,
    }
