"""The account URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).
`placeholders(users)` makes a peer's pending request to be an officer of Hartlepool (which
only sector staff may decide: no one in the walk is Hartlepool's officer-administrator) and
an API token of the officer's.
"""

from selfreg.models import RoleKind, RoleRequest
from selfreg.tokens import api_token_create
from tests.conftest import HARTLEPOOL, ROLE_NAMES
from tests.factories import council
from tests.url_roles import (
    ALL_OK,
    POST_ONLY,
    REDIRECT_LOGIN,
    SECTOR_ONLY,
    SIGNED_IN_OK,
)

SIGNED_IN_302 = {**dict.fromkeys(ROLE_NAMES, 302), "anonymous": REDIRECT_LOGIN}
# Sector staff have set up two-factor sign-in and given the code; no one else has an app.
ENROL = {**SIGNED_IN_OK, "sector_staff": 302}
BAD_LINK = {"uidb64": "MQ", "token": "not-a-token"}

TABLE = {
    "signup": ({}, {**dict.fromkeys(ROLE_NAMES, 302), "anonymous": 200}),
    "signup_sent": ({}, ALL_OK),
    "signup_verify": (BAD_LINK, dict.fromkeys(ROLE_NAMES, 400)),
    "password_reset": ({}, ALL_OK),
    "password_reset_done": ({}, ALL_OK),
    # A wrong link shows a page saying so.
    "password_reset_confirm": (BAD_LINK, ALL_OK),
    "password_reset_complete": ({}, ALL_OK),
    "sign_out_everywhere": ({}, POST_ONLY),
    "two_factor_enrol": ({}, ENROL),
    "two_factor_verify": ({}, SIGNED_IN_302),
    "role_request_new": ({}, SIGNED_IN_OK),
    "role_request_list": ({}, SECTOR_ONLY),
    "role_request_detail": ({"pk": "ROLE_REQUEST"}, SECTOR_ONLY),
    "api_tokens": ({}, SIGNED_IN_OK),
    "api_token_revoke": ({"pk": "API_TOKEN"}, POST_ONLY),
}

POST_TABLE = {
    "role_request_detail": (
        {"pk": "ROLE_REQUEST"},
        {"decision": "refuse"},
        {**SECTOR_ONLY, "sector_staff": 302},
    ),
    # Another person's token is not found.
    "api_token_revoke": (
        {"pk": "API_TOKEN"},
        {},
        {**dict.fromkeys(ROLE_NAMES[1:], 404), "anonymous": REDIRECT_LOGIN, "officer": 302},
    ),
    "sign_out_everywhere": ({}, {}, SIGNED_IN_302),
}


def placeholders(users):
    role_request = RoleRequest.objects.create(
        user=users["peer"], kind=RoleKind.OFFICER, council=council(HARTLEPOOL)
    )
    token, _key = api_token_create(user=users["officer"], name="Walk")
    return {"ROLE_REQUEST": role_request.pk, "API_TOKEN": token.pk}
