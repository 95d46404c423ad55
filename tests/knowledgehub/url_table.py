"""The knowledgehub URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).
"""

from tests.url_roles import ALL_OK

TABLE = {
    "knowledgehub:index": ({}, ALL_OK),
}
POST_TABLE = {}
