"""Writes in the Knowledge Hub. Each checks who may make it, validates before the first write
and runs in one transaction; side effects (email) are queued on commit.

One module per part: `themes`, `library`, `communities` and `marketplace`, sharing `common`.
The names below are the ones the rest of the portal calls.
"""

from knowledgehub.services.communities import (
    community_create,
    community_join,
    community_leave,
    follow_set,
    membership_decide,
    post_hide,
    post_notify,
    post_report,
    report_dismiss,
    thread_lock,
    thread_reply,
    thread_start,
)
from knowledgehub.services.library import (
    attachment_add,
    case_study_decide,
    case_study_save,
    case_study_submit,
)
from knowledgehub.services.marketplace import (
    OFFER_FIELDS,
    offer_save,
    provider_create,
    review_moderate,
    review_reply,
    review_save,
    review_verify,
)
from knowledgehub.services.themes import themes_load

__all__ = [
    "OFFER_FIELDS",
    "attachment_add",
    "case_study_decide",
    "case_study_save",
    "case_study_submit",
    "community_create",
    "community_join",
    "community_leave",
    "follow_set",
    "membership_decide",
    "offer_save",
    "post_hide",
    "post_notify",
    "post_report",
    "provider_create",
    "report_dismiss",
    "review_moderate",
    "review_reply",
    "review_save",
    "review_verify",
    "themes_load",
    "thread_lock",
    "thread_reply",
    "thread_start",
]
