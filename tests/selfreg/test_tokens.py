"""API tokens are stored hashed and shown once; early-warning records stay out of the admin."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from selfreg.models import ApiToken
from selfreg.tokens import api_token_check, api_token_create
from tests.conftest import PASSWORD, sign_in_fully
from tests.factories import UserFactory

VALUES = "/api/v1/values/"


def submit(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # An empty list: authenticated and allowed, it is refused as having no rows (400).
    return client.post(VALUES, [], format="json")


@pytest.fixture
def admin_client(client):
    admin = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    return sign_in_fully(client, admin)


def stored_text() -> str:
    return " ".join(str(v) for row in ApiToken.objects.values_list() for v in row if v is not None)


@pytest.mark.django_db
def test_a_token_is_stored_hashed_and_signs_in(users):
    token, key = api_token_create(user=users["officer"], name="Finance system")
    assert key.startswith(token.prefix + ".")
    assert key not in stored_text()
    assert key.split(".", 1)[1] not in stored_text()
    assert submit(key).status_code == 400  # signed in: the empty submission is refused
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert api_token_check(key) == token


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["unknown", "right_prefix_wrong_secret", "prefix_only"])
def test_a_wrong_key_is_refused(users, kind):
    token, key = api_token_create(user=users["officer"])
    wrong = {
        "unknown": "00000000.not-a-key",
        "right_prefix_wrong_secret": f"{token.prefix}.not-the-secret",
        "prefix_only": token.prefix,
    }[kind]
    response = submit(wrong)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.django_db
def test_a_deleted_token_no_longer_signs_in(users):
    token, key = api_token_create(user=users["officer"])
    token.delete()
    assert submit(key).status_code == 401


@pytest.mark.django_db
def test_the_admin_makes_a_token_and_shows_it_once(admin_client, users):
    officer = users["officer"]
    response = admin_client.post(
        reverse("admin:selfreg_apitoken_add"),
        {"user": officer.pk, "name": "Finance system"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=officer)
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.split("The new token is ")[1].split(" ")[0] for m in shown if "new token" in m)
    assert api_token_check(key) == token
    # Never again: neither the list nor the token's own page shows it.
    for url in (
        reverse("admin:selfreg_apitoken_changelist"),
        reverse("admin:selfreg_apitoken_change", args=[token.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert token.prefix in page
        assert key not in page
    assert submit(key).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["create_api_token", "drf_create_token"])
def test_the_command_makes_a_token_and_prints_it_once(users, command):
    out = io.StringIO()
    call_command(command, "OFFICER@example.com", "--name", "Script", stdout=out)
    key = out.getvalue().split(": ", 1)[1].split()[0]
    assert ApiToken.objects.get(user=users["officer"]).name == "Script"
    assert submit(key).status_code == 400


@pytest.mark.django_db
def test_plain_tokens_made_before_are_hashed_and_keep_working(users):
    plain = "0123456789abcdef0123456789abcdef01234567"  # as the REST framework made them
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id bigint, '
            "created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, now())", [plain, users["officer"].pk]
        )
    migration = importlib.import_module("selfreg.migrations.0003_api_tokens_hash_existing")
    with connection.schema_editor() as editor:
        migration.hash_plain_tokens(apps, editor)
        migration.hash_plain_tokens(apps, editor)  # a rerun adds nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert ApiToken.objects.count() == 1
    assert plain not in stored_text()
    assert submit(plain).status_code == 400


@pytest.mark.django_db
def test_early_warning_records_are_not_in_the_admin(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert "Signal types" in index
    for model in ("recordedsignal", "corporateevent", "riskassessment", "alert"):
        assert f"/admin/earlywarning/{model}/" not in index
        assert admin_client.get(f"/admin/earlywarning/{model}/").status_code == 404
        assert admin_client.get(f"/admin/earlywarning/{model}/?q=evidence").status_code == 404
