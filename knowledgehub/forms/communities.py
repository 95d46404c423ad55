"""Forms of communities of practice: a group, a thread, a reply, a report of a post."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.forms import MARKDOWN_HELP, _helper
from knowledgehub.models import (
    CommunityKind,
    Theme,
)


class CommunityForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=150, error_messages={"required": _("Enter a name")}
    )
    description = forms.CharField(
        label=_("What the group is for"),
        help_text=MARKDOWN_HELP,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what the group is for")},
    )
    kind = forms.ChoiceField(
        label=_("Who may join?"),
        choices=CommunityKind.choices,
        initial=CommunityKind.OPEN,
        widget=forms.RadioSelect,
    )
    theme = forms.ModelChoiceField(
        label=_("Theme (optional)"),
        queryset=Theme.objects.all(),
        required=False,
        empty_label=_("No particular theme"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("name"),
            Field.textarea("description", rows=5),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.select("theme"),
            button=_("Create community"),
        )


class ThreadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    body = forms.CharField(
        label=_("Message"),
        help_text=MARKDOWN_HELP,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Enter a message")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("title"), Field.textarea("body", rows=8), button=_("Start conversation")
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        help_text=MARKDOWN_HELP,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your reply")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("body", rows=6), button=_("Post reply"))


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this post?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is wrong with the post")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("reason", rows=4), button=_("Report post"))
