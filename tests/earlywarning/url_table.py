"""The earlywarning URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).
"""

from tests.url_roles import SECTOR_ONLY

TABLE = {
    "earlywarning:index": ({}, SECTOR_ONLY),
    "earlywarning:council": ({"gss_code": "E06000001"}, SECTOR_ONLY),
    "earlywarning:record": ({"gss_code": "E06000001"}, SECTOR_ONLY),
}
POST_TABLE = {}
