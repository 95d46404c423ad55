"""Forms of communities of practice: a group, a thread, a reply, a report of a post."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.forms import MARKDOWN_HELP, _helper
from knowledgehub.models import (
    Community,
    Post,
    Report,
    Theme,
    Thread,
)


class CommunityForm(forms.ModelForm):
    theme = forms.ModelChoiceField(
        label=_("Theme (optional)"),
        queryset=Theme.objects.all(),
        required=False,
        empty_label=_("No particular theme"),
    )

    class Meta:
        model = Community
        fields = ["name", "description", "kind", "theme"]
        labels = {
            "name": _("Name"),
            "description": _("What the group is for"),
            "kind": _("Who may join?"),
        }
        help_texts = {"description": MARKDOWN_HELP}
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "kind": forms.RadioSelect}
        error_messages = {
            "name": {"required": _("Enter a name")},
            "description": {"required": _("Describe what the group is for")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("name"),
            Field.textarea("description", rows=5),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.select("theme"),
            button=_("Create community"),
        )


class ThreadForm(forms.ModelForm):
    """A new conversation: the thread's title and its first post's message."""

    body = Post._meta.get_field("body").formfield(
        label=_("Message"),
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Enter a message")},
    )

    class Meta:
        model = Thread
        fields = ["title", "body"]
        labels = {"title": _("Title")}
        error_messages = {"title": {"required": _("Enter a title")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("title"), Field.textarea("body", rows=8), button=_("Start conversation")
        )


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["body"]
        labels = {"body": _("Your reply")}
        help_texts = {"body": MARKDOWN_HELP}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        error_messages = {"body": {"required": _("Enter your reply")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("body", rows=6), button=_("Post reply"))


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["reason"]
        labels = {"reason": _("What is wrong with this post?")}
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"reason": {"required": _("Say what is wrong with the post")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("reason", rows=4), button=_("Report post"))
