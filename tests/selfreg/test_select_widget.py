"""The quick Select writes the same HTML as Django's, without a template per option."""

import re

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from selfreg.forms import Select

CHOICES = [
    ("", "None"),
    ("a", "Apples & pears"),
    ("b", '<script>alert("b")</script>'),
    ("c", "Cherries"),
    ("c", "Cherries again"),  # only the first match is selected, as in Django
    ("d", mark_safe("<em>Damsons</em>")),  # noqa: S308  markup already safe is kept as it is
    ("e'", gettext_lazy("Elderberries")),  # lazy text, and a quote in a value
]


def tidy(html: str) -> str:
    """Django's template puts line breaks and spaces between the options; nothing else differs."""
    return re.sub(r">\s+<", "><", html)


def both(**field):
    class Quick(forms.Form):
        measure = forms.ChoiceField(choices=CHOICES, widget=Select, **field)

    class Plain(forms.Form):
        measure = forms.ChoiceField(choices=CHOICES, **field)

    return Quick, Plain


@pytest.mark.parametrize("data", [None, {"measure": "c"}, {"measure": "nope"}, {"measure": ""}])
@pytest.mark.parametrize("required", [True, False])
def test_same_html_as_djangos_select(data, required):
    quick, plain = both(required=required)
    for attrs in (None, {"class": "govuk-select", "aria-describedby": "hint"}):
        ours = quick(data)["measure"].as_widget(attrs=attrs)
        theirs = plain(data)["measure"].as_widget(attrs=attrs)
        assert ours == tidy(theirs)


def test_labels_are_escaped_and_one_option_is_selected():
    quick, _plain = both()
    html = quick({"measure": "c"})["measure"].as_widget()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert html.count(" selected") == 1
    assert '<option value="c" selected>Cherries</option>' in html


@pytest.mark.parametrize("data", [None, {"measure": "c"}, {"measure": ""}])
def test_option_groups_give_the_same_html_as_djangos_select(data):
    grouped = [
        ("", "None"),
        ("Fruit & nuts", [("a", "Apples"), ("c", "Cherries")]),
        ("Stones", [("c", "Cherries again"), ("p", "<b>Plums</b>")]),
    ]

    class Quick(forms.Form):
        measure = forms.ChoiceField(choices=grouped, widget=Select)

    class Plain(forms.Form):
        measure = forms.ChoiceField(choices=grouped)

    ours = Quick(data)["measure"].as_widget()
    assert '<optgroup label="Fruit &amp; nuts">' in ours
    assert ours.count(" selected") == 1  # "None" when nothing is chosen
    assert ours == tidy(Plain(data)["measure"].as_widget())


@pytest.mark.django_db
def test_council_fields_list_every_current_council_by_name_with_its_code():
    from html import unescape

    from selfreg.forms import CouncilField, CouncilsField
    from selfreg.models import Council

    class Councils(forms.Form):
        one = CouncilField()
        several = CouncilsField()

    expected = list(Council.objects.current().order_by("name").values_list("gss_code", "name"))
    assert len(expected) > 300
    form = Councils()
    for name in ("one", "several"):
        listed = re.findall(r'<option value="([^"]+)">([^<]*)</option>', str(form[name]))
        assert [(code, unescape(label)) for code, label in listed] == expected
