from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from selfreg.models import Visibility

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ValuesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_(
            "A CSV or XLSX file with the columns gss_code, metric_code, period and value, "
            "and optionally numerator, denominator, sample_size and note."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see these values?"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file"),
            Field.radios("visibility", legend_size=Size.SMALL),
            Button("submit", _("Check and submit")),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("The selected file must be a CSV or XLSX file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The selected file must be smaller than 50 MB."))
        return upload
