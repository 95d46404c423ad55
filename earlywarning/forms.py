from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from earlywarning.models import Severity, SignalSource, SignalType


class ObservedOnField(DateInputField):
    """A GOV.UK date input with messages that say which date is wanted."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        message = _("Enter the day, month and year the signal was observed")
        self.error_messages.update(required=message, incomplete=message)
        for field in self.fields:
            field.error_messages["incomplete"] = message
            field.validators[0].message = _("Enter the date in numbers")

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter a real date")) from None


class SignalForm(forms.Form):
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
    evidence = forms.CharField(
        label=_("Evidence"),
        help_text=_("What was seen or heard, where and from whom. Stick to facts."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter the evidence for the signal")},
    )
    source_url = forms.URLField(
        label=_("Web address of the source (optional)"),
        help_text=_("For example, a link to council minutes or a news report"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address starting http:// or https://")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("signal_type"),
            Field("observed_on"),
            Field.radios("severity", legend_size=Size.SMALL),
            Field.textarea("evidence", rows=5),
            Field.text("source_url"),
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
