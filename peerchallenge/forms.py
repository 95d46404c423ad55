"""Forms for peer challenge: they validate input; services act on it."""

import json

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fixed, Fluid, Layout, Size
from django import forms
from django.contrib.auth import password_validation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peerchallenge.models import (
    EXPERTISE_VALUES,
    ActionStatus,
    ChallengeKind,
    Control,
    Expertise,
    FocusArea,
    Party,
    Peer,
    PeerRole,
    PeerSector,
    PinKind,
)
from selfreg.forms import CouncilField, CouncilsField, GovukDateField
from selfreg.models import Council, User


def parse_weeks(text: str) -> list[int]:
    """ "3, 7-9" -> [3, 7, 8, 9]; raises ValidationError with a plain message."""
    weeks: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                weeks.update(range(low, high + 1))
            else:
                weeks.add(int(part))
        except ValueError:
            raise forms.ValidationError(
                _("Enter week numbers separated by commas, for example 3, 7-9")
            ) from None
    if any(w < 1 or w > 52 for w in weeks):
        raise forms.ValidationError(_("Weeks are numbered 1 to 52"))
    return sorted(weeks)


def weeks_text(weeks) -> str:
    return ", ".join(str(w) for w in weeks)


class RequestForm(forms.Form):
    council = CouncilField(
        label=_("Council"),
        queryset=Council.objects.none(),
        to_field_name=None,
        error_messages={"required": _("Choose the council")},
    )
    kind = forms.ChoiceField(
        label=_("What type of peer challenge?"),
        choices=ChallengeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of challenge")},
    )
    focus_areas = forms.MultipleChoiceField(
        label=_("Focus areas"),
        help_text=_("Select all that apply"),
        choices=FocusArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one focus area")},
    )
    preferred_weeks = forms.CharField(
        label=_("Preferred weeks (optional)"),
        help_text=_("Week numbers of the year, for example 10, 14-16"),
        required=False,
        max_length=200,
    )
    note = forms.CharField(
        label=_("What do you want from the challenge? (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils.order_by("name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("council"),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.checkboxes("focus_areas", legend_size=Size.SMALL, small=True),
            Field.text("preferred_weeks", field_width=Fluid.ONE_HALF),
            Field.textarea("note", rows=4),
            Button("save", _("Ask for a peer challenge")),
        )

    def clean_preferred_weeks(self):
        return parse_weeks(self.cleaned_data["preferred_weeks"])


ROLE_BOUND_FIELDS = [(role, f"min_{role.value}", f"max_{role.value}") for role in PeerRole]


class ScopeForm(forms.Form):
    focus_areas = forms.MultipleChoiceField(
        label=_("Agreed focus areas"),
        choices=FocusArea.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one focus area")},
    )
    on_site_from = GovukDateField(
        label=_("First day on site"),
        help_text=_("For example, 14 4 2026"),
        message=_("Enter the first day on site"),
    )
    days = forms.IntegerField(
        label=_("Days on site"),
        min_value=1,
        max_value=10,
        error_messages={"required": _("Enter the number of days on site")},
    )
    team_size = forms.IntegerField(
        label=_("Team size"),
        min_value=1,
        max_value=12,
        error_messages={"required": _("Enter the team size")},
    )
    host_control = forms.ChoiceField(
        label=_("Political control of the host council"),
        choices=[("", _("Choose political control")), *Control.choices],
        error_messages={"required": _("Choose the host council's political control")},
    )
    lead_member_same_party = forms.BooleanField(
        label=_("The lead member peer comes from the host's ruling party"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        role_fields = []
        for role, low, high in ROLE_BOUND_FIELDS:
            self.fields[low] = forms.IntegerField(
                label=_("%(role)s: fewest") % {"role": role.label},
                min_value=0,
                max_value=12,
                initial=0,
            )
            self.fields[high] = forms.IntegerField(
                label=_("%(role)s: most") % {"role": role.label},
                min_value=0,
                max_value=12,
                initial=0,
            )
            role_fields += [
                Field.text(low, field_width=Fixed.TWO),
                Field.text(high, field_width=Fixed.TWO),
            ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkboxes("focus_areas", legend_size=Size.SMALL, small=True),
            Field("on_site_from"),
            Field.text("days", field_width=Fixed.TWO),
            Field.text("team_size", field_width=Fixed.TWO),
            Field.select("host_control"),
            Field.checkbox("lead_member_same_party"),
            *role_fields,
            Button("save", _("Save scope")),
        )

    def role_template(self) -> dict:
        return {
            role.value: [self.cleaned_data[low], self.cleaned_data[high]]
            for role, low, high in ROLE_BOUND_FIELDS
            if self.cleaned_data[high]
        }

    def clean(self):
        data = super().clean()
        for _role, low, high in ROLE_BOUND_FIELDS:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("The most must be at least the fewest"))
        return data


class NominateForm(forms.Form):
    council = CouncilField(
        label=_("Home council"),
        help_text=_("For business and voluntary sector peers, the council area they work in"),
        queryset=Council.objects.none(),
        to_field_name=None,
        error_messages={"required": _("Choose the peer's home council")},
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, error_messages={"required": _("Enter their name")}
    )
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter their email address"),
            "invalid": _("Enter an email address like name@example.com"),
        },
    )
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=PeerSector.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the sector")},
    )
    role = forms.ChoiceField(
        label=_("Peer role"),
        choices=[("", _("Choose a role")), *PeerRole.choices],
        error_messages={"required": _("Choose the peer role")},
    )
    party = forms.ChoiceField(
        label=_("Political party (councillors only)"),
        choices=[("", _("Not a councillor")), *Party.choices],
        required=False,
    )
    organisation = forms.CharField(
        label=_("Organisation (business and voluntary sector peers)"),
        required=False,
        max_length=200,
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils.order_by("name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("council"),
            Field.text("full_name"),
            Field.text("email"),
            Field.radios("sector", legend_size=Size.SMALL, inline=True),
            Field.select("role"),
            Field.select("party"),
            Field.text("organisation"),
            Button("save", _("Nominate peer")),
        )

    def clean(self):
        data = super().clean()
        if data.get("role") in ("lead_member", "member") and not data.get("party"):
            self.add_error("party", _("Choose the councillor's political party"))
        return data


class NominationAnswerForm(forms.Form):
    """The nominated person's answer; someone without an account also names themselves and
    chooses a password to accept."""

    answer = forms.ChoiceField(
        label=_("Will you join the peer pool?"),
        choices=[("accept", _("Yes, I accept")), ("decline", _("No, I decline"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you accept or decline")},
    )

    def __init__(self, *args, nomination, new_account: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.nomination = nomination
        self.new_account = new_account
        fields = [Field.radios("answer", legend_size=Size.MEDIUM)]
        if new_account:
            self.fields["full_name"] = forms.CharField(
                label=_("Your full name"),
                max_length=200,
                initial=nomination.full_name,
                required=False,
            )
            self.fields["password1"] = forms.CharField(
                label=_("Choose a password"),
                help_text=_("At least 8 characters, not only numbers and not a common password"),
                required=False,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            )
            self.fields["password2"] = forms.CharField(
                label=_("Type the password again"),
                required=False,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            )
            fields += [Field.text("full_name"), Field("password1"), Field("password2")]
        self.helper = FormHelper()
        self.helper.layout = Layout(*fields, Button("save", _("Send answer")))

    def clean(self):
        data = super().clean()
        if not self.new_account or data.get("answer") != "accept":
            return data
        if not (data.get("full_name") or "").strip():
            self.add_error("full_name", _("Enter your full name"))
        password = data.get("password1") or ""
        if not password:
            self.add_error("password1", _("Choose a password"))
        elif password != data.get("password2"):
            self.add_error("password2", _("The two passwords are not the same"))
        else:
            user = User(email=self.nomination.email, full_name=data.get("full_name") or "")
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


def period_text(start, end) -> str:
    if start == end:
        return date_format(start, "j F Y")
    return _("%(start)s to %(end)s") % {
        "start": date_format(start, "j F Y"),
        "end": date_format(end, "j F Y"),
    }


class ProfileForm(forms.Form):
    """A peer's own profile: days, the dates they cannot take part (kept as dates, turned into
    the matcher's weeks when a round is matched), conflicts and named levels of expertise."""

    days_offered = forms.IntegerField(
        label=_("Days you offer this year"),
        min_value=0,
        max_value=60,
        error_messages={"required": _("Enter the days you offer")},
    )
    remove_periods = forms.MultipleChoiceField(
        label=_("Dates you are not available"),
        help_text=_("Select any you want to remove"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    away_from = GovukDateField(
        label=_("First day you are not available (optional)"),
        help_text=_("For example, 3 8 2027"),
        required=False,
        message=_("Enter the first day you are not available"),
    )
    away_to = GovukDateField(
        label=_("Last day you are not available (optional)"),
        help_text=_("Leave empty for a single day"),
        required=False,
        message=_("Enter the last day you are not available"),
    )
    conflicts = CouncilsField(
        label=_("Councils where you have a conflict of interest (optional)"), required=False
    )
    party = forms.ChoiceField(
        label=_("Political party (councillors only)"),
        choices=[("", _("Not a councillor")), *Party.choices],
        required=False,
    )
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = list(periods)
        self.fields["remove_periods"].choices = [
            (f"{start.isoformat()}/{end.isoformat()}", period_text(start, end))
            for start, end in self.existing
        ]
        expertise_fields = []
        for area in FocusArea:
            name = f"expertise_{area.value}"
            self.fields[name] = forms.ChoiceField(
                label=area.label,
                choices=Expertise.choices,
                initial=Expertise.NONE,
                required=False,
                widget=forms.RadioSelect,
            )
            expertise_fields.append(Field.radios(name, legend_size=Size.SMALL, inline=True))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("days_offered", field_width=Fixed.TWO),
            *(
                [Field.checkboxes("remove_periods", legend_size=Size.SMALL, small=True)]
                if self.existing
                else []
            ),
            Field("away_from"),
            Field("away_to"),
            Field("conflicts"),
            Field.select("party"),
            Field.text("organisation"),
            HTML(self.expertise_help()),
            *expertise_fields,
            Button("save", _("Save profile")),
        )

    @staticmethod
    def expertise_help():
        """Made per form, so that it is in the reader's language."""
        return format_html(
            '<h2 class="govuk-heading-m">{}</h2><p class="govuk-body">{}</p>'
            '<ul class="govuk-list govuk-list--bullet"><li>{}</li><li>{}</li><li>{}</li></ul>',
            _("Your expertise"),
            _(
                "For each focus area, choose how much you know. The matcher looks for peers "
                "who know the areas a council wants looked at."
            ),
            _("Some knowledge: you know the area and its main issues."),
            _("Experienced: you have worked in or led this area."),
            _("Expert: you are known for it, and have led improvement in it."),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("away_from"), data.get("away_to")
        if end and not start and "away_from" not in self.errors:
            self.add_error("away_from", _("Enter the first day you are not available"))
        elif start and end and end < start:
            self.add_error("away_to", _("The last day must be the same as or after the first"))
        elif start and end and (end - start).days > 366:
            self.add_error("away_to", _("A period can be at most a year long"))
        return data

    def periods(self) -> list[tuple]:
        """The periods kept, less those ticked for removal, plus the one added."""
        removed = set(self.cleaned_data.get("remove_periods") or [])
        kept = [
            (start, end)
            for start, end in self.existing
            if f"{start.isoformat()}/{end.isoformat()}" not in removed
        ]
        start = self.cleaned_data.get("away_from")
        if start:
            kept.append((start, self.cleaned_data.get("away_to") or start))
        return kept

    def expertise(self) -> dict:
        return {
            area.value: EXPERTISE_VALUES[
                Expertise(self.cleaned_data.get(f"expertise_{area.value}") or Expertise.NONE)
            ]
            for area in FocusArea
        }


class RoundForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the round"),
        max_length=200,
        error_messages={"required": _("Enter a name for the round")},
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("Enter the year")},
    )
    time_limit = forms.IntegerField(
        label=_("Time limit for the matcher, in seconds"),
        min_value=5,
        max_value=900,
        initial=60,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("year", field_width=Fixed.FOUR),
            Field.text("time_limit", field_width=Fixed.FOUR),
            Button("save", _("Create round")),
        )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Will you join this team?"),
        choices=[("accept", _("Yes, I accept")), ("decline", _("No, I decline"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you accept or decline")},
    )
    reason = forms.CharField(
        label=_("Reason for declining (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("answer", legend_size=Size.MEDIUM),
            Field.textarea("reason", rows=3),
            Button("save", _("Send answer")),
        )


class ReportForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter the report's summary")},
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    recommendations = forms.CharField(
        label=_("Recommendations"),
        help_text=_("One recommendation per line"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("summary", rows=5),
            Field.textarea("findings", rows=8),
            Field.textarea("recommendations", rows=6),
            Button("save", _("Save draft report")),
        )


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=_("What is factually wrong, and what is right?"),
        help_text=_("Only corrections of fact. The team's judgements are theirs."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is factually wrong and what is right")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("text", rows=4), Button("save", _("Send correction"))
        )


class ActionForm(forms.Form):
    recommendation = forms.CharField(
        label=_("Recommendation"),
        max_length=2000,
        error_messages={"required": _("Enter the recommendation this answers")},
    )
    action = forms.CharField(
        label=_("Action"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the action")},
    )
    owner = forms.CharField(
        label=_("Owner"), max_length=200, error_messages={"required": _("Enter the owner")}
    )
    due = GovukDateField(
        label=_("Due date"),
        help_text=_("For example, 30 9 2026"),
        message=_("Enter the due date"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        initial=ActionStatus.NOT_STARTED,
        error_messages={"required": _("Choose the status")},
    )

    def __init__(self, *args, recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("recommendation"),
            Field.textarea("action", rows=3),
            Field.text("owner"),
            Field("due"),
            Field.radios("status", legend_size=Size.SMALL, inline=True),
            Button("save", _("Save action")),
        )


class PinForm(forms.Form):
    peer = forms.IntegerField(
        label=_("Peer number"),
        help_text=_("As shown in the pool list"),
        min_value=1,
        error_messages={"required": _("Enter the peer's number")},
    )
    kind = forms.ChoiceField(
        label=_("What should the matcher do?"),
        choices=[*PinKind.choices, ("clear", _("Clear the pin or exclusion"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose pin, exclude or clear")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("peer", field_width=Fixed.FOUR),
            Field.radios("kind", legend_size=Size.SMALL),
            Button("save", _("Save")),
        )

    def clean_peer(self) -> Peer:
        peer = Peer.objects.filter(pk=self.cleaned_data["peer"]).first()
        if peer is None:
            raise forms.ValidationError(_("No peer has that number"))
        return peer


class MoveForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SolutionForm(forms.Form):
    file = forms.FileField(
        label=_("Solution file (JSON)"),
        help_text=_('{"assignments": {challenge: [peer, ...]}}, or openreview-matcher\'s file'),
        error_messages={"required": _("Choose a solution file")},
    )

    MAX_BYTES = 5 * 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("file"), Button("save", _("Check and apply")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file must be smaller than 5 MB"))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise forms.ValidationError(_("The file must be JSON")) from None


class RulesForm(forms.Form):
    conflict_neighbours = forms.BooleanField(
        label=_("Peers may not review a neighbouring council"), required=False
    )
    conflict_same_grouping = forms.BooleanField(
        label=_("Peers may not review a council in their own region"), required=False
    )
    one_peer_per_council = forms.BooleanField(
        label=_("At most one peer from any one council on a team"), required=False
    )
    no_mutual_review = forms.BooleanField(
        label=_("Two councils may not review each other in the same round"), required=False
    )
    recent_review_years = forms.IntegerField(
        label=_("Years a review in either direction counts as a conflict"),
        min_value=0,
        max_value=10,
    )
    max_same_party = forms.IntegerField(
        label=_("Most councillors of one party on a team"), min_value=1, max_value=10
    )
    min_parties = forms.IntegerField(
        label=_("Fewest parties among a team's councillors"), min_value=1, max_value=5
    )
    reciprocity_weight = forms.FloatField(
        label=_("Weight of reciprocity in the score"),
        help_text=_("0 ignores the ledger; 1 counts a council's debt as much as a perfect fit"),
        min_value=0,
        max_value=1,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkbox("conflict_neighbours"),
            Field.checkbox("conflict_same_grouping"),
            Field.checkbox("one_peer_per_council"),
            Field.checkbox("no_mutual_review"),
            Field.text("recent_review_years", field_width=Fixed.TWO),
            Field.text("max_same_party", field_width=Fixed.TWO),
            Field.text("min_parties", field_width=Fixed.TWO),
            Field.text("reciprocity_weight", field_width=Fixed.FOUR),
            Button("save", _("Save rules")),
        )
