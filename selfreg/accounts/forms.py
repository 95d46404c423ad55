from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from selfreg import access
from selfreg.emails import email_send
from selfreg.forms import CouncilField
from selfreg.models import REQUESTABLE_ROLES, Council, RoleKind, User


def gds_helper(*fields, button) -> FormHelper:
    """A GOV.UK form layout without its own form tag: the template writes the tag."""
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields, Button("submit", button))
    return helper


class SignUpForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("Use your work email address if you work for a council."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter your email address")},
    )
    password = forms.CharField(
        label=_("Create a password"),
        strip=False,
        help_text=_("At least 8 characters, not a common password and not all numbers."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Create a password")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].error_messages["required"] = _("Enter your full name")
        self.helper = gds_helper(
            Field.text("full_name", field_width=Fluid.TWO_THIRDS),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
            button=_("Create account"),
        )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).strip()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("email"):
            # Checked against a user not saved, so nothing reveals who has an account.
            candidate = User(email=data["email"], full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form (it emails only active accounts and says the same whatever the
    address), sending by a background job like every other email."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter your email address")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("email", field_width=Fluid.TWO_THIRDS), button=_("Send the link")
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_send(subject=subject, body=body, to=[to_email])


class SetPasswordForm(DjangoSetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("Confirm the new password")
        self.helper = gds_helper(
            Field.text("new_password1", field_width=Fluid.TWO_THIRDS),
            Field.text("new_password2", field_width=Fluid.TWO_THIRDS),
            button=_("Change password"),
        )


class CodeForm(forms.Form):
    """The six-digit code an authenticator app shows."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        help_text=_("The 6-digit code the app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Enter the 6-digit code"),
            "min_length": _("Enter all 6 digits of the code"),
            "max_length": _("Enter the 6 digits of the code only"),
        },
    )

    def __init__(self, *args, button=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("code", field_width=Fluid.ONE_QUARTER), button=button or _("Continue")
        )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits, with no letters"))
        return code


class RoleRequestForm(forms.Form):
    council = CouncilField(label=_("Council"))
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[(kind.value, kind.label) for kind in REQUESTABLE_ROLES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the role you need")},
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Why you need this role"),
        required=False,
        max_length=2000,
        help_text=_("For example, the data you will submit. The person who decides reads this."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.select("council"),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.text("job_title", field_width=Fluid.TWO_THIRDS),
            Field.textarea("reason", rows=4),
            button=_("Send the request"),
        )


# The scopes of a new API token, besides one per council the user is an officer of.
READ_ONLY = "read"
EVERY_COUNCIL = "all"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say where it is used, for example ‘Finance team upload script’."),
        error_messages={"required": _("Enter a name for the token")},
    )
    scope = forms.ChoiceField(
        label=_("What the token may do"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the token may do")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        officer_of = access.council_ids(user, {RoleKind.OFFICER})
        self.councils = {
            council.gss_code: council
            for council in Council.objects.filter(pk__in=officer_of).with_gss()
        }
        choices = [(READ_ONLY, _("Read data only"))]
        choices += [
            (code, _("Read data, and submit data for %(council)s") % {"council": council.name})
            for code, council in self.councils.items()
        ]
        if access.submittable_councils(user).exists():
            choices.append(
                (EVERY_COUNCIL, _("Read data, and submit data for every council you may"))
            )
        self.fields["scope"].choices = choices
        self.helper = gds_helper(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.radios("scope", legend_size=Size.SMALL),
            button=_("Create token"),
        )

    def scope_values(self) -> dict:
        """The token's `read_only` and `council`, from the scope chosen."""
        scope = self.cleaned_data["scope"]
        if scope == READ_ONLY:
            return {"read_only": True, "council": None}
        return {"read_only": False, "council": self.councils.get(scope)}
