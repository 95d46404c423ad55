"""What each role gets from a URL: the shared vocabulary of the every-URL walk.

Each app's table (`tests/<app>/url_table.py`) says, for each of its named URLs, the kwargs
and the expected status per role; `tests/test_url_access.py` joins them and walks them all.
"""

from tests.conftest import ROLE_NAMES

OK, REDIRECT_LOGIN, FORBIDDEN, NOT_ALLOWED = 200, "login", 403, 405
ALL_OK = dict.fromkeys(ROLE_NAMES, OK)
SIGNED_IN_OK = {**dict.fromkeys(ROLE_NAMES, OK), "anonymous": REDIRECT_LOGIN}
SECTOR_ONLY = {
    **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
    "anonymous": REDIRECT_LOGIN,
    "sector_staff": OK,
}
# Creating a footprint or submitting data needs a council to act for: officers, sector staff.
CAN_CREATE = {
    **dict.fromkeys(ROLE_NAMES, FORBIDDEN),
    "anonymous": REDIRECT_LOGIN,
    "officer": OK,
    "other_officer": OK,
    "sector_staff": OK,
}
POST_ONLY = {**dict.fromkeys(ROLE_NAMES, NOT_ALLOWED), "anonymous": REDIRECT_LOGIN}
# An upload that does not exist, or that the person may not see, is not found.
UPLOAD_MISSING = {**CAN_CREATE, "officer": 404, "other_officer": 404, "sector_staff": 404}

SIGNED_IN_404 = {**dict.fromkeys(ROLE_NAMES, 404), "anonymous": REDIRECT_LOGIN}
