"""The kernel's council pickers: councils listed by name, GSS codes sent and read back."""

import pytest
from django import forms
from django.http import QueryDict

from selfreg.forms import CouncilField, CouncilsField
from tests.conftest import DARLINGTON, HARTLEPOOL


class One(forms.Form):
    council = CouncilField(label="Council")


class Many(forms.Form):
    councils = CouncilsField(label="Councils", required=False)


def test_one_council_is_listed_by_name_and_sends_its_code(hartlepool):
    html = str(One()["council"])
    assert "<select" in html and "multiple" not in html
    assert '<option value="" selected>Choose a council</option>' in html
    assert f'<option value="{HARTLEPOOL}">Hartlepool</option>' in html
    form = One({"council": HARTLEPOOL.lower()})
    assert form.is_valid() and form.cleaned_data["council"] == hartlepool


def test_one_council_must_be_chosen_from_the_list(db):
    form = One({"council": "E99999999"})
    assert form.errors["council"] == ["Choose a council from the list"]
    assert One({"council": ""}).errors["council"] == ["Choose a council"]


def test_former_councils_are_not_offered_unless_asked(db):
    from selfreg.models import Council

    former = Council.objects.exclude(pk__in=Council.objects.current()).first()
    assert former is not None
    assert f'value="{former.gss_code}"' not in str(One()["council"])


def test_many_councils_by_name_chosen_one_per_parameter_or_by_codes_with_commas(
    hartlepool, darlington
):
    html = str(Many()["councils"])
    assert "<select" in html and " multiple" in html
    repeated = Many(QueryDict(f"councils={DARLINGTON}&councils={HARTLEPOOL}"))
    assert repeated.is_valid()
    assert repeated.cleaned_data["councils"] == [darlington, hartlepool]  # by name
    typed = Many({"councils": f"{HARTLEPOOL.lower()}, {DARLINGTON}"})  # an older link
    assert typed.is_valid() and typed.cleaned_data["councils"] == [darlington, hartlepool]
    empty = Many({})
    assert empty.is_valid() and empty.cleaned_data["councils"] == []


def test_many_councils_chosen_are_selected_when_the_form_is_shown_again(hartlepool, darlington):
    html = str(Many(QueryDict(f"councils={HARTLEPOOL}&councils={DARLINGTON}"))["councils"])
    assert f'<option value="{HARTLEPOOL}" selected>Hartlepool</option>' in html
    assert f'<option value="{DARLINGTON}" selected>Darlington</option>' in html
    initial = str(Many(initial={"councils": f"{HARTLEPOOL}, {DARLINGTON}"})["councils"])
    assert initial.count(" selected>") == 2


@pytest.mark.parametrize("code", ["E99999999", "nonsense"])
def test_an_unknown_code_is_named_in_the_error(db, code):
    form = Many({"councils": f"{HARTLEPOOL},{code}"})
    assert form.errors["councils"] == [f"No council has the code {code.upper()}"]
