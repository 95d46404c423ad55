import datetime
from html import escape

import pytest
from django.urls import reverse

from earlywarning.models import RecordedSignal, SignalView
from earlywarning.services import signal_record
from tests.conftest import ROLE_NAMES

URLS = [
    ("earlywarning:index", {}),
    ("earlywarning:council", {"gss_code": "E06000001"}),
    ("earlywarning:record", {"gss_code": "E06000001"}),
]
# Recording is open to peers and the political groups' leads too; reading is not.
RECORDERS = {"sector_staff", "peer", "political_lead"}


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize(("name", "kwargs"), URLS)
def test_only_sector_staff_open_early_warning(role, name, kwargs, users, client_for):
    """Sector staff see every page, and peers and political leads the recording form; anyone
    else is refused, and visitors asked to sign in."""
    response = client_for(users[role]).get(reverse(name, kwargs=kwargs))
    if role == "sector_staff" or (name == "earlywarning:record" and role in RECORDERS):
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert "/sign-in/" in response["Location"]
    else:
        assert response.status_code == 403


def test_refused_viewers_leave_no_audit_row(users, client_for):
    """A refused request does not count as a view of the council's signals."""
    client_for(users["peer"]).get(reverse("earlywarning:council", args=["E06000001"]))
    assert not SignalView.objects.exists()


@pytest.fixture
def signal(users, hartlepool, catalogue):
    return signal_record(
        user=users["peer"],
        council=hartlepool,
        signal_type=catalogue["member-officer-relations"],
        observed_on=datetime.date(2025, 2, 14),
        severity=3,
        evidence="Public row between the leader and the chief executive.",
    )


def test_index_counts_by_category_without_a_score(signal, users, client_for):
    """The index lists councils with signals and counts by category, and nothing else."""
    response = client_for(users["sector_staff"]).get(reverse("earlywarning:index"))
    text = response.content.decode()
    assert "Hartlepool" in text
    assert response.context["rows"][0]["counts"] == [1, 0, 0, 0]
    assert "score" not in text.lower().replace("not a score", "")
    assert "rank" not in text.lower().replace("do not rank", "")


def test_council_page_shows_signals_and_audits_the_view(signal, users, client_for):
    """The council page shows each signal and who recorded it, and records the view."""
    staff = users["sector_staff"]
    response = client_for(staff).get(reverse("earlywarning:council", args=["E06000001"]))
    text = response.content.decode()
    assert "Public row between the leader and the chief executive." in text
    assert escape(str(users["peer"])) in text
    view = SignalView.objects.get()
    assert view.user == staff
    assert view.council.gss_code == "E06000001"


def test_recording_through_the_form(users, client_for, catalogue):
    """A bad form shows errors and records nothing; a good one records and redirects."""
    client = client_for(users["sector_staff"])
    url = reverse("earlywarning:record", args=["E06000001"])
    response = client.post(url, {"evidence": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not RecordedSignal.objects.exists()

    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    data = {
        "signal_type": catalogue["financial-distress"].pk,
        "observed_on_0": tomorrow.day,
        "observed_on_1": tomorrow.month,
        "observed_on_2": tomorrow.year,
        "severity": "2",
        "evidence": "Interim section 151 officer appointed.",
        "source_url": "https://example.com/news",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The date must be today or in the past" in response.content.decode()

    response = client.post(
        url, {**data, "observed_on_0": "3", "observed_on_1": "3", "observed_on_2": "2025"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("earlywarning:council", args=["E06000001"])
    signal = RecordedSignal.objects.get()
    assert signal.observed_on == datetime.date(2025, 3, 3)
    assert signal.recorded_by == users["sector_staff"]


def test_index_finds_a_council_chosen_by_name(users, client_for):
    """The council chosen (its GSS code sent) leads to its signals; an unknown code shows an
    error; the picker lists councils by name."""
    client = client_for(users["sector_staff"])
    response = client.get(reverse("earlywarning:index"), {"gss_code": "e06000001"})
    assert response["Location"] == reverse("earlywarning:council", args=["E06000001"])
    response = client.get(reverse("earlywarning:index"), {"gss_code": "E99999999"})
    page = response.content.decode()
    assert "Choose a council from the list" in page
    assert '<option value="E06000001">Hartlepool</option>' in page
