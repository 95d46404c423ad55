import functools
import html
from dataclasses import dataclass

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from selfreg.models import Council, CouncilType, Nation


class Select(forms.Select):
    """Django's Select, writing its options in one pass instead of rendering a template for
    each: the same HTML, far quicker for a list of hundreds of measures. It keeps the name
    Select so that crispy-forms-gds styles it, and its errors, as a GOV.UK select."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        options = _options(_as_text(self.choices))
        parts = list(options.html)
        for chosen in widget["value"]:
            places = options.places.get(chosen, ())
            if places and not self.allow_multiple_selected:
                places = places[:1]  # as Django's: only the first match is selected
            for place in places:
                # The value is escaped, so its closing quote is the first '">'.
                parts[place] = parts[place].replace('">', '" selected>', 1)
            if places and not self.allow_multiple_selected:
                break
        attributes = [
            format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
            for key, value in widget["attrs"].items()
            if value is not False
        ]
        return format_html('<select name="{}"{}>{}</select>', name, _safe(attributes), _safe(parts))


@dataclass(frozen=True)
class _Options:
    html: tuple[str, ...]  # each option (or an option group's opening or closing), unselected
    places: dict[str, tuple[int, ...]]  # where each value's options are


def _as_text(choices) -> tuple:
    """Choices as text (lazy labels in the current language), hashable: the key of a list's
    markup."""
    text = []
    for option, label in choices:
        if isinstance(label, list | tuple):  # an option group
            text.append((str(option), tuple((_text(o), str(lab)) for o, lab in label)))
        else:
            text.append((_text(option), str(label)))
    return tuple(text)


def _text(option) -> str:
    return "" if option is None else str(option)


@functools.lru_cache(maxsize=64)
def _options(choices: tuple) -> _Options:
    """The markup of a list of choices, worked out once per process for each list: the same
    few long lists (measures, councils) are written on page after page."""
    html_parts: list[str] = []
    places: dict[str, list[int]] = {}

    def add(option: str, label: str) -> None:
        places.setdefault(option, []).append(len(html_parts))
        html_parts.append(f'<option value="{_escape(option)}">{_escape(label)}</option>')

    for option, label in choices:
        if isinstance(label, tuple):
            html_parts.append(f'<optgroup label="{_escape(option)}">')
            for inner, inner_label in label:
                add(inner, inner_label)
            html_parts.append("</optgroup>")
        else:
            add(option, label)
    return _Options(tuple(html_parts), {k: tuple(v) for k, v in places.items()})


def _escape(text) -> str:
    """Django's conditional_escape, without its checks for lazy text on every call: a list of
    a thousand options called it two thousand times."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


def _safe(parts) -> str:
    """Join markup every piece of which has already been escaped."""
    return mark_safe("".join(parts))  # noqa: S308


class SelectMultiple(Select):
    """The quick Select for a list where more than one option may be chosen."""

    allow_multiple_selected = True

    def __init__(self, attrs=None, choices=()):
        super().__init__({"multiple": True, **(attrs or {})}, choices)

    def value_from_datadict(self, data, files, name):
        return split_codes(data.getlist(name) if hasattr(data, "getlist") else data.get(name))

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty choice sends nothing

    def format_value(self, value):
        return [str(v) for v in split_codes(value)]


def split_codes(value) -> list[str]:
    """Values chosen in a list, sent one per parameter or as one text separated by commas
    (the form of older links and saved comparisons, and of initial text)."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [
        part.strip()
        for item in items
        for part in str(item if not hasattr(item, "gss_code") else item.gss_code).split(",")
        if part.strip()
    ]


def _councils():
    return Council.objects.current().order_by("name")


class _CodesAndNames(forms.models.ModelChoiceIterator):
    """A council field's choices, each (code, name) straight from the database: a model
    instance for each of several hundred councils took a third of a dashboard's time. The
    label is the council's name, so the fields need no ``label_from_instance``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list(self.field.to_field_name or "pk", "name")


class CouncilField(forms.ModelChoiceField):
    """Choose a council by its name, wherever a form would otherwise ask for a GSS code.

    A GOV.UK select of councils by name, which browsers search as a name is typed; the value
    sent is the council's GSS code, so links and other doors that take codes still work.
    Current councils unless ``queryset`` says otherwise.
    """

    widget = Select
    iterator = _CodesAndNames

    def __init__(self, *, queryset=None, to_field_name="gss_code", **kwargs):
        kwargs.setdefault("empty_label", _("Choose a council"))
        kwargs["error_messages"] = {
            "required": _("Choose a council"),
            "invalid_choice": _("Choose a council from the list"),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(
            queryset=_councils() if queryset is None else queryset,
            to_field_name=to_field_name,
            **kwargs,
        )

    def to_python(self, value):
        # A code typed into a link may be in any case; GSS codes are upper case.
        if isinstance(value, str) and self.to_field_name == "gss_code":
            value = value.strip().upper()
        return super().to_python(value)


class CouncilsField(forms.ModelMultipleChoiceField):
    """Choose several councils by name (a select that lets more than one be chosen); the
    values sent are GSS codes, one per parameter, and codes separated by commas are read too.
    Cleans to a list of councils in the order of the list."""

    widget = SelectMultiple
    iterator = _CodesAndNames

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "Type a council's name to find it. To choose more than one, hold Ctrl (or Cmd "
                "on a Mac) as you click, or Shift as you use the arrow keys."
            ),
        )
        kwargs["error_messages"] = {
            "required": _("Choose at least one council"),
            "invalid_choice": _("No council has the code %(value)s"),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(
            queryset=_councils() if queryset is None else queryset,
            to_field_name="gss_code",
            **kwargs,
        )
        self.widget.attrs.setdefault("size", 8)

    def clean(self, value):
        value = [v.upper() for v in split_codes(value)]
        return list(super().clean(value))


class GovukDateField(DateInputField):
    """A GOV.UK date input (day, month, year boxes) whose messages say which date is wanted,
    for every form of the portal."""

    def __init__(self, *, message=None, **kwargs):
        super().__init__(**kwargs)
        message = message or _("Enter the day, month and year")
        self.error_messages.update(required=message, incomplete=message)
        for field in self.fields:
            field.error_messages["incomplete"] = message
            field.validators[0].message = _("Enter the date in numbers")

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter a real date")) from None


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "Enter a correct email address and password. After 5 wrong attempts you will be "
            "locked out for an hour."
        ),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("username", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
            Button("submit", _("Sign in")),
        )


class CouncilSearchForm(forms.Form):
    q = forms.CharField(label=_("Council name or code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type"))] + CouncilType.choices
    )
    nation = forms.ChoiceField(
        label=_("Nation"), required=False, choices=[("", _("Any nation"))] + Nation.choices
    )
    include_former = forms.BooleanField(label=_("Include former councils"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q", field_width=Fluid.TWO_THIRDS),
            Field("kind"),
            Field("nation"),
            Field.checkbox("include_former", small=True),
            Button("search", _("Search"), css_class="govuk-button--secondary"),
        )

    def filter(self, councils):
        data = self.cleaned_data if self.is_valid() else {}
        if not data.get("include_former"):
            councils = councils.current()
        if data.get("q"):
            councils = councils.search(data["q"])
        if data.get("kind"):
            councils = councils.filter(kind=data["kind"])
        if data.get("nation"):
            councils = councils.filter(nation=data["nation"])
        return councils


class GroupingForm(forms.Form):
    name = forms.CharField(label=_("Name of the grouping"), max_length=200)
    description = forms.CharField(
        label=_("What the grouping is for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.text("name", field_width=Fluid.TWO_THIRDS), Field("description")]
        if owners is not None:
            self.fields["owner"] = forms.ModelChoiceField(
                label=_("Owning council"), queryset=owners, empty_label=None
            )
            fields.insert(0, Field("owner"))
        self.helper = FormHelper()
        self.helper.layout = Layout(*fields, Button("submit", _("Create grouping")))


class InviteForm(forms.Form):
    gss_code = CouncilField(label=_("Council to invite"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("gss_code"),
            Button("submit", _("Send invitation")),
        )

    def clean_gss_code(self):
        self.council = self.cleaned_data["gss_code"]
        return self.council.gss_code
