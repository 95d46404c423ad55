from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from earlywarning.models import (
    AlertState,
    Category,
    CorporateEvent,
    CorporateEventKind,
    RecordedSignal,
    Severity,
    SignalSource,
    SignalType,
    SupportKind,
)
from earlywarning.services import TRANSITIONS
from selfreg.forms import CouncilField, GovukDateField, Select
from selfreg.models import Council, RoleKind, User


class CouncilFindForm(forms.Form):
    """Go to any council's signals, chosen by name (former councils too: their signals stay)."""

    gss_code = CouncilField(
        label=_("Council"),
        help_text=_("To see or record signals for any council"),
        queryset=Council.objects.with_gss().order_by("name"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field("gss_code"),
            Button("find", _("Find council"), css_class="govuk-button--secondary"),
        )


class ObservedOnField(GovukDateField):
    def __init__(self, message=None, **kwargs):
        message = message or _("Enter the day, month and year the signal was observed")
        super().__init__(message=message, **kwargs)


class SignalForm(forms.ModelForm):
    signal_type = forms.ModelChoiceField(
        label=_("What kind of signal is it?"),
        queryset=SignalType.objects.filter(source=SignalSource.RECORDED),
        empty_label=_("Choose a kind of signal"),
        error_messages={"required": _("Choose the kind of signal")},
    )
    observed_on = ObservedOnField(
        label=_("When was it observed?"), help_text=_("For example, 27 3 2025")
    )
    severity = forms.TypedChoiceField(
        label=_("How serious is it?"),
        choices=Severity.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how serious the signal is")},
    )

    class Meta:
        model = RecordedSignal
        fields = ["signal_type", "observed_on", "severity", "evidence", "source_url", "critical"]
        labels = {
            "evidence": _("Evidence"),
            "source_url": _("Web address of the source (optional)"),
            "critical": _("Critical: open an alert now"),
        }
        help_texts = {
            "evidence": _("What was seen or heard, where and from whom. Stick to facts."),
            "source_url": _("For example, a link to council minutes or a news report"),
            "critical": _("Use only for something that needs sector staff to act at once."),
        }
        widgets = {"evidence": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "evidence": {"required": _("Enter the evidence for the signal")},
            "source_url": {"invalid": _("Enter a web address starting http:// or https://")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("signal_type"),
            Field("observed_on"),
            Field.radios("severity", legend_size=Size.SMALL),
            Field.textarea("evidence", rows=5),
            Field.text("source_url"),
            Field.checkbox("critical"),
            Button("save", _("Record signal")),
        )

    def clean_observed_on(self):
        observed_on = self.cleaned_data["observed_on"]
        if observed_on > timezone.localdate():
            raise forms.ValidationError(_("The date must be today or in the past"))
        return observed_on

    def clean_source_url(self):
        url = self.cleaned_data["source_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting http:// or https://"))
        return url


class CorporateEventForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("What changed?"),
        choices=CorporateEventKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what changed")},
    )
    occurred_on = ObservedOnField(
        message=_("Enter the day, month and year of the change"),
        label=_("When did it change?"),
        help_text=_("For example, 7 5 2025"),
    )

    class Meta:
        model = CorporateEvent
        fields = ["kind", "occurred_on", "description", "source_url"]
        labels = {
            "description": _("What happened"),
            "source_url": _("Web address of the source (optional)"),
        }
        help_texts = {
            "description": _(
                "For example, who left, who took over and whether the post is interim."
            )
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "description": {"required": _("Enter what happened")},
            "source_url": {"invalid": _("Enter a web address starting http:// or https://")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("occurred_on"),
            Field.textarea("description", rows=3),
            Field.text("source_url"),
            Button("save", _("Record change")),
        )

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date must be today or in the past"))
        return day


class TransitionForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Move the alert to"),
        error_messages={"required": _("Choose the next state")},
    )
    reason = forms.CharField(
        label=_("Reason or comment"),
        help_text=_("Required when dismissing an alert."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, alert, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [s for s in AlertState if s in TRANSITIONS.get(alert.state, set())]
        self.fields["state"].choices = [("", _("Choose a state"))] + [
            (s.value, s.label) for s in allowed
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("state"), Field.textarea("reason", rows=2), Button("move", _("Move"))
        )

    def clean(self):
        data = super().clean()
        if data.get("state") == AlertState.DISMISSED and not data.get("reason", "").strip():
            self.add_error("reason", _("Enter why the alert is dismissed"))
        return data


def staff_users():
    return User.objects.filter(roles__kind=RoleKind.SECTOR_STAFF, is_active=True).distinct()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        empty_label=_("Nobody"),
        required=False,
    )
    due_on = DateInputField(label=_("Due date (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users().order_by("email")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("assignee"), Field("due_on"), Button("assign", _("Save assignment"))
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the note")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("text", rows=3), Button("note", _("Add note")))


class SupportLinkForm(forms.Form):
    """Choose the support offered from what the portal holds for the council: its peer
    challenges, the marketplace's listed offers and the library's published items."""

    support = forms.ChoiceField(
        label=_("Support offered"),
        widget=Select,
        error_messages={
            "required": _("Choose the support offered"),
            "invalid_choice": _("Choose support from the list"),
        },
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups = {}
        for option in options:
            groups.setdefault(option.kind, []).append((support_key(option), option.title))
        labels = dict(SupportKind.choices)
        self.fields["support"].choices = [("", _("Choose support"))] + [
            (labels.get(kind, kind), choices) for kind, choices in groups.items()
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.select("support"), Button("link", _("Link support")))

    def clean_support(self):
        kind, _space, url = self.cleaned_data["support"].partition(" ")
        return {"kind": kind, "url": url}


def support_key(option) -> str:
    return f"{option.kind} {option.url}"


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter your message")},
    )
    shared = forms.BooleanField(label=_("Share with the council's officers"), required=False)

    def __init__(self, *args, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["shared"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        fields = [Field.textarea("text", rows=3)]
        if staff:
            fields.append(Field.checkbox("shared"))
        self.helper.layout = Layout(*fields, Button("send", _("Send message")))


class RecordCouncilForm(forms.Form):
    """Choose the council a signal is about: every council that exists today."""

    council = forms.ChoiceField(
        label=_("Which council is it about?"),
        widget=Select,
        error_messages={
            "required": _("Choose the council"),
            "invalid_choice": _("Choose a council from the list"),
        },
    )

    def __init__(self, *args, councils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = [("", _("Choose a council"))] + [
            (gss, name) for gss, name in councils
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(Field.select("council"), Button("next", _("Continue")))


class QueueFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(
        label=_("Category of signal"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(r, r) for r in regions]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("region"), Field.select("category"), Button("filter", _("Filter"))
        )
