"""One way to refuse: `Refused` for "not in this state", `PermissionDenied` for "not you".

A service refusal that reaches a view unshown is never a 500: PermissionDenied is the 403
page and Refused the 400 page. The views below call services without asking the access
module first, as a view that forgets to would.
"""

import datetime
import io

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from benchmarking.models import SharingChoice
from benchmarking.services import sharing_set
from earlywarning.models import RecordedSignal, SignalType
from earlywarning.services import signal_record
from knowledgehub.models import Community
from knowledgehub.services import community_create
from peerchallenge.models import MatchingRound
from peerchallenge.services import round_create
from selfreg import services
from selfreg import urls as portal_urls
from selfreg.assessment.models import SelfAssessment
from selfreg.assessment.services import assessment_create
from selfreg.models import AreaGrouping, GroupingMembership
from selfreg.refusals import Refused, act_and_redirect, form_page, show_refusal
from tests.factories import council


def _footprint(user):
    return services.grouping_create(user=user, owner=council("E06000001"), name="Tees")


def _grouping_invite(users):
    grouping = _footprint(users["officer"])
    return lambda: services.grouping_invite(
        user=users["other_officer"], grouping=grouping, council=council("E06000005")
    )


def _assessment_create(users):
    return lambda: assessment_create(
        user=users["other_officer"], council=council("E06000001"), year="2025-26"
    )


def _sharing_set(users):
    return lambda: sharing_set(
        user=users["councillor"], council=council("E06000001"), element="cost", visibility="council"
    )


def _signal_record(users):
    call_command("load_signal_types", stdout=io.StringIO())
    signal_type = SignalType.objects.first()
    return lambda: signal_record(
        user=users["officer"],
        council=council("E06000001"),
        signal_type=signal_type,
        observed_on=datetime.date(2025, 1, 1),
        severity=2,
        evidence="Seen at a meeting.",
    )


def _round_create(users):
    return lambda: round_create(user=users["officer"], name="2026 round", year=2026)


def _community_create(users):
    return lambda: community_create(
        user=users["officer"], name="Finance leads", description="", kind="open"
    )


# Each entry prepares a call of a service by someone it refuses, and names the model whose
# rows must stay as they were.
UNCHECKED = {
    "grouping_invite": (_grouping_invite, GroupingMembership),
    "assessment_create": (_assessment_create, SelfAssessment),
    "sharing_set": (_sharing_set, SharingChoice),
    "signal_record": (_signal_record, RecordedSignal),
    "round_create": (_round_create, MatchingRound),
    "community_create": (_community_create, Community),
}
_CALLS = {}


def _unchecked(request, name):
    _CALLS.pop(name)()
    return HttpResponse("done")


def _unshown(request):
    grouping = _footprint(request.user)
    services.grouping_member_remove(user=request.user, grouping=grouping, council=grouping.owner)
    return HttpResponse("done")


handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
urlpatterns = [
    path("unchecked/<str:name>/", _unchecked),
    path("unshown/", _unshown),
    *portal_urls.urlpatterns,
]


@pytest.mark.django_db
@pytest.mark.urls("tests.selfreg.test_refusals")
@pytest.mark.parametrize("name", sorted(UNCHECKED))
def test_a_service_refusing_a_person_is_the_403_page_not_a_500(client, users, name):
    """Called for someone it refuses, with no check in the view, a service's refusal comes
    back as the GOV.UK 403 page, and nothing is written."""
    prepare, model = UNCHECKED[name]
    call = prepare(users)
    before = model.objects.count()
    _CALLS[name] = call
    response = client.get(f"/unchecked/{name}/")
    assert response.status_code == 403
    assert "govuk-heading-xl" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert model.objects.count() == before


@pytest.mark.django_db
@pytest.mark.urls("tests.selfreg.test_refusals")
def test_a_refusal_no_view_shows_is_the_400_page_not_a_500(client_for, users):
    client = client_for(users["officer"])
    response = client.get("/unshown/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sorry, there is a problem with your request" in body
    assert "Traceback" not in body
    grouping = AreaGrouping.objects.get(name="Tees")
    assert grouping.memberships.filter(council=grouping.owner).exists()


class _InviteForm(forms.Form):
    gss_code = forms.CharField()
    note = forms.CharField(required=False)


def _bound_form():
    form = _InviteForm({"gss_code": "E06000005"})
    assert form.is_valid()
    return form


def test_on_a_form_a_refusal_is_the_error_of_the_field_it_names():
    form = _bound_form()
    with show_refusal(form) as shown:
        raise Refused("Say why.", field="note")
    assert form.errors == {"note": ["Say why."]}
    assert str(shown.error) == "Say why."


def test_a_service_name_maps_to_the_form_field_and_an_unknown_one_to_the_default():
    form = _bound_form()
    with show_refusal(form, fields={"council": "gss_code"}):
        raise Refused("Already invited.", field="council")
    assert form.errors == {"gss_code": ["Already invited."]}
    form = _bound_form()
    with show_refusal(form, field="note"):
        raise Refused("Not this one.", field="no_such_field")
    assert form.errors == {"note": ["Not this one."]}
    form = _bound_form()
    with show_refusal(form):
        raise Refused("Nothing was saved.")
    assert form.non_field_errors() == ["Nothing was saved."]


def test_on_a_request_a_refusal_is_an_error_message_on_the_next_page():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with show_refusal(request) as shown:
        raise Refused("A published report cannot be changed.")
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("error", "A published report cannot be changed.")
    ]
    assert shown.error is not None


def test_a_block_that_runs_through_shows_nothing_and_other_errors_pass():
    form = _bound_form()
    with show_refusal(form) as shown:
        pass
    assert shown.error is None and not form.errors
    with pytest.raises(PermissionDenied), show_refusal(form):
        raise PermissionDenied("Not you.")
    with pytest.raises(ValueError), show_refusal(form):
        raise ValueError("A bug, not a refusal.")
    assert not form.errors


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _shown(request):
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _refuse(message, field=None):
    def act(*_args):
        raise Refused(message, field=field)

    return act


def test_a_button_that_posts_says_what_was_done_and_goes_on():
    request = _request()
    response = act_and_redirect(request, lambda: 3, done=lambda n: f"{n} sent.", to="/round/")
    assert (response.status_code, response.url) == (302, "/round/")
    assert _shown(request) == [("success", "3 sent.")]
    request = _request()
    response = act_and_redirect(request, lambda: "/runs/7/", to="/round/", follow=True)
    assert response.url == "/runs/7/"
    assert _shown(request) == []


def test_a_button_the_service_refuses_shows_why_on_the_page_it_came_from():
    request = _request()
    response = act_and_redirect(
        request, _refuse("Add challenges first."), done="Started.", to="/round/", follow=True
    )
    assert (response.status_code, response.url) == (302, "/round/")
    assert _shown(request) == [("error", "Add challenges first.")]


@pytest.fixture
def bare_page(settings):
    """A page that shows only its title and the form's errors, field by field."""
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "page.html": "{{ title }}"
                            "{% for name, errors in form.errors.items %}"
                            "|{{ name }}: {{ errors.0 }}{% endfor %}"
                        },
                    )
                ]
            },
        }
    ]
    return "page.html"


def _form_page(request, act, **options):
    form = _InviteForm(request.POST if request.method == "POST" else None)
    return form_page(
        request, form, act, template="page.html", context={"title": "Invite"}, **options
    )


def test_a_form_page_shows_its_form_and_its_errors_with_400(bare_page):
    acted = []
    response = _form_page(_request("get"), acted.append, to="/done/")
    assert (response.status_code, response.content.decode()) == (200, "Invite")
    response = _form_page(_request(data={"note": "x"}), acted.append, to="/done/")
    assert response.status_code == 400
    assert response.content.decode() == "Invite|gss_code: This field is required."
    assert acted == []


def test_a_valid_form_page_acts_says_so_and_goes_on(bare_page):
    request = _request(data={"gss_code": "E06000005"})
    response = _form_page(
        request, lambda data: f"/groupings/{data['gss_code']}/", done="Sent.", follow=True
    )
    assert (response.status_code, response.url) == (302, "/groupings/E06000005/")
    assert _shown(request) == [("success", "Sent.")]


def test_a_refused_form_page_shows_the_refusal_on_the_field_it_names(bare_page):
    request = _request(data={"gss_code": "E06000005"})
    response = _form_page(
        request,
        _refuse("Already invited.", field="council"),
        done="Sent.",
        to="/done/",
        fields={"council": "gss_code"},
    )
    assert response.status_code == 400
    assert response.content.decode() == "Invite|gss_code: Already invited."
    assert _shown(request) == []
