"""The open data API against its own OpenAPI schema: schemathesis generates requests for every
operation from `/api/v1/schema/` (valid and invalid parameters, odd strings, huge numbers) and
checks that no response is a server error and that every response (status, content type,
headers, body) matches the schema."""

import pandas as pd
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from benchmarking.services import comparisons_recompute, metrics_import, values_import
from selfreg.tokens import api_token_create

COUNCILS = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


@pytest.fixture
def api_schema(db, users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    cache.clear()
    metrics_import(
        rows=[
            {
                "code": "sat",
                "title": "Satisfied",
                "element": "perception",
                "unit": "%",
                "polarity": "higher_better",
            },
            {
                "code": "cost",
                "title": "Cost",
                "element": "cost",
                "unit": "£",
                "polarity": "lower_better",
            },
        ]
    )
    rows = [
        {"gss_code": gss, "metric_code": code, "period": period, "value": str(10 + i + j)}
        for i, gss in enumerate(COUNCILS)
        for j, period in enumerate(["2021-22", "2022-23"])
        for code in ("sat", "cost")
    ]
    values_import(frame=pd.DataFrame(rows), source="test", recompute=False)
    comparisons_recompute()
    _token, key = api_token_create(user=users["officer"])
    # As Django's test client does: the test's transaction outlives each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    schema.token = key
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_api_answers_every_generated_request_within_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    headers = {"Authorization": f"Token {api_schema.token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # A filter naming something that does not exist (`region=nowhere`) is a documented
            # 400, so schema-valid requests may be refused; everything else is checked.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/values/?metric=a%00b",
        "/api/v1/comparisons/?metric=x&period=2021-22&group=all%00",
        "/api/v1/councils/?region=%00",
        "/councils/?q=Hart%00lepool",
        "/knowledge-hub/search/?q=%00",
    ],
)
def test_a_nul_character_in_an_address_is_refused_plainly(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {"detail": "The address contains a NUL character (%00)."}
    else:
        assert "Traceback" not in response.content.decode()
