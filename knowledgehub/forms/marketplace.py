"""Forms of the marketplace: a provider, an offer, a review and its reply, the filters."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.forms import MARKDOWN_HELP, _helper
from knowledgehub.models import (
    DeliveryMode,
    Offer,
    PriceBand,
    Provider,
    ProviderKind,
    Review,
    ReviewReply,
    Theme,
)
from knowledgehub.services.marketplace import OFFER_FIELDS
from selfreg.forms import CouncilField, GovukDateField
from selfreg.models import Council

RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class ProviderForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Kind of provider"), choices=ProviderKind.choices, widget=forms.RadioSelect
    )
    council_code = CouncilField(label=_("Council (only for a council)"), required=False)

    class Meta:
        model = Provider
        fields = ["name", "kind", "council_code", "description", "website"]
        labels = {
            "name": _("Name"),
            "description": _("About the provider"),
            "website": _("Website (optional)"),
        }
        help_texts = {"description": MARKDOWN_HELP}
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "name": {"required": _("Enter a name")},
            "description": {"required": _("Describe the provider")},
            "website": {"invalid": _("Enter a web address starting http:// or https://")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("name"),
            Field.radios("kind", legend_size=Size.SMALL),
            Field("council_code"),
            Field.textarea("description", rows=5),
            Field.text("website"),
            button=_("List provider"),
        )

    def clean_website(self):
        url = self.cleaned_data["website"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting http:// or https://"))
        return url

    def clean(self):
        data = super().clean()
        data["council"] = None
        if data.get("kind") == ProviderKind.COUNCIL:
            council = data.get("council_code")
            if council is None and "council_code" not in self.errors:
                self.add_error("council_code", _("Choose the council"))
            data["council"] = council
        return data


class OfferForm(forms.ModelForm):
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        empty_label=_("Choose a theme"),
        error_messages={"required": _("Choose a theme")},
    )
    delivery_mode = forms.ChoiceField(
        label=_("How is it delivered?"), choices=DeliveryMode.choices, widget=forms.RadioSelect
    )
    price_band = forms.ChoiceField(
        label=_("Price band"), choices=PriceBand.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Offer
        fields = OFFER_FIELDS
        labels = {
            "title": _("Title"),
            "description": _("What it is"),
            "typical_duration": _("Typical duration"),
            "suits": _("Who it suits"),
            "is_active": _("Listed in the marketplace"),
        }
        help_texts = {
            "description": MARKDOWN_HELP,
            "typical_duration": _("For example, 3 days over 6 weeks"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "suits": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "title": {"required": _("Enter a title")},
            "description": {"required": _("Say what the offer is")},
            "typical_duration": {"required": _("Enter the typical duration")},
            "suits": {"required": _("Say who the offer suits")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("title"),
            Field.select("theme"),
            Field.textarea("description", rows=6),
            Field.radios("delivery_mode", legend_size=Size.SMALL, inline=True),
            Field.text("typical_duration"),
            Field.radios("price_band", legend_size=Size.SMALL),
            Field.textarea("suits", rows=3),
            Field.checkbox("is_active"),
            button=_("Save offer"),
        )


def _rating(label):
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5 for %(what)s") % {"what": label}
        },
    )


class ReviewForm(forms.ModelForm):
    council = forms.ModelChoiceField(
        label=_("Which council are you reviewing for?"),
        queryset=Council.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    rating = _rating(_("Overall"))
    quality = _rating(_("Quality"))
    value = _rating(_("Value for money"))
    impact = _rating(_("Impact"))
    engaged_on = GovukDateField(
        label=_("When did your council use it?"),
        help_text=_("For example, 27 3 2025"),
        message=_("Enter the day, month and year your council used it"),
    )

    class Meta:
        model = Review
        fields = ["council", "rating", "quality", "value", "impact", "comment", "engaged_on"]
        labels = {"comment": _("Your comments")}
        help_texts = {"comment": _("What went well, what did not, and what difference it made.")}
        widgets = {"comment": forms.Textarea(attrs={"rows": 6})}
        error_messages = {"comment": {"required": _("Enter your comments")}}

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        if len(councils) == 1 and not self.initial.get("council"):
            self.fields["council"].initial = councils[0].pk
        self.helper = _helper(
            Field.radios("council", legend_size=Size.SMALL),
            Field.radios("rating", legend_size=Size.SMALL, inline=True),
            Field.radios("quality", legend_size=Size.SMALL, inline=True),
            Field.radios("value", legend_size=Size.SMALL, inline=True),
            Field.radios("impact", legend_size=Size.SMALL, inline=True),
            Field.textarea("comment", rows=6),
            Field("engaged_on"),
            button=_("Send review"),
        )

    def clean_engaged_on(self):
        engaged_on = self.cleaned_data["engaged_on"]
        if engaged_on > timezone.localdate():
            raise forms.ValidationError(_("The date must be today or in the past"))
        return engaged_on


class ReviewReplyForm(forms.ModelForm):
    class Meta:
        model = ReviewReply
        fields = ["body"]
        labels = {"body": _("Your reply")}
        help_texts = {"body": _("You can reply once. The reply is shown under the review.")}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"body": {"required": _("Enter your reply")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("body", rows=5), button=_("Send reply"))


class MarketplaceFilterForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    price_band = forms.ChoiceField(
        label=_("Price band"),
        required=False,
        choices=[("", _("Any price"))] + list(PriceBand.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("Any theme"))] + list(
            Theme.objects.values_list("slug", "name")
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("theme"), Field.select("price_band"), Button("filter", _("Filter"))
        )
