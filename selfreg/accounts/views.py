"""Pages of a person's own account. Who may decide what is in `selfreg.access`."""

import base64
import hashlib
import math
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from selfreg import access, ratelimit
from selfreg.accounts import services
from selfreg.accounts.forms import (
    ApiTokenForm,
    CodeForm,
    PasswordResetForm,
    RoleRequestForm,
    SetPasswordForm,
    SignUpForm,
)
from selfreg.middleware import TWO_FACTOR_SET_UP_KEY
from selfreg.models import ApiToken, Role
from selfreg.tokens import api_token_create

WRONG_CODE = gettext_lazy("The code is not right. Check the app and enter the code it shows now.")
WAIT_FOR_CODE = gettext_lazy(
    "A wrong code was entered just now. Wait a few seconds, then enter the code the app shows."
)


def _code_check(form, devices) -> TOTPDevice | None:
    """The device whose code the form holds, or None with the reason on the form. After a
    wrong code each device waits a little longer before it checks another (1, 2, 4… s)."""
    if not any(device.verify_is_allowed()[0] for device in devices):
        form.add_error("code", WAIT_FOR_CODE)
        return None
    code = form.cleaned_data["code"]
    device = next((device for device in devices if device.verify_token(code)), None)
    if device is None:
        form.add_error("code", WRONG_CODE)
    return device


def _site(request) -> str:
    return request.build_absolute_uri("/")


def _limit_message(request, email: str) -> str:
    """Count one sign-up or reset request; a message if this address, or this email
    address, has asked too often. The same whether or not the email has an account."""
    now = time.time()
    email_key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    wait = ratelimit.limit_wait(
        key=f"account:address:{ratelimit.client_address(request)}",
        limit=ratelimit.Limit.parse(settings.ACCOUNT_LIMIT_PER_ADDRESS),
        now=now,
    ) or ratelimit.limit_wait(
        key=f"account:email:{email_key}",
        limit=ratelimit.Limit.parse(settings.ACCOUNT_LIMIT_PER_EMAIL),
        now=now,
    )
    if not wait:
        return ""
    minutes = math.ceil(wait / 60)
    return ngettext(
        "There have been too many requests in a short time. Nothing has been sent. "
        "Try again in %(minutes)d minute.",
        "There have been too many requests in a short time. Nothing has been sent. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else default


@login_required
def account(request):
    return render(
        request,
        "account/index.html",
        {
            "roles": Role.objects.for_user(request.user).select_related("council"),
            "invitations": access.invitations_for(request.user),
            "requests": request.user.role_requests.pending().select_related("council"),
            "to_decide": access.decidable_role_requests(request.user).count()
            if access.may_decide_role_requests(request.user)
            else None,
            "two_factor": user_has_device(request.user),
            "needs_two_factor": access.needs_two_factor(request.user),
            "token_count": request.user.api_tokens.count(),
        },
    )


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limited = _limit_message(request, form.cleaned_data["email"])
        if not limited:
            services.account_sign_up(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                site=_site(request),
            )
            return redirect("signup_sent")
        form.add_error(None, limited)
        status = 429
    return render(request, "account/sign_up.html", {"form": form}, status=status)


def sign_up_sent(request):
    return render(request, "account/sign_up_sent.html")


def sign_up_verify(request, uidb64, token):
    user = services.account_verify(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "account/sign_up_link_invalid.html", status=400)
    messages.success(request, _("Your email address is confirmed. Sign in to continue."))
    return redirect("login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "account/password_reset.html"
    email_template_name = "account/email/password_reset.txt"
    subject_template_name = "account/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        limited = _limit_message(self.request, form.cleaned_data["email"])
        if limited:
            form.add_error(None, limited)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    form_class = SetPasswordForm


@login_required
@require_POST
def sign_out_everywhere(request):
    services.sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out on every device."))
    return redirect("login")


def _secret_groups(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor_enrol(request):
    """Set up an authenticator app: scan the code (or type the key), then give a code."""
    if user_has_device(request.user):
        if not request.user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
        messages.info(request, _("Two-factor sign-in is already set up."))
        return redirect("account")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator app"), confirmed=False
        )
    form = CodeForm(request.POST or None, button=_("Turn on two-factor sign-in"))
    status = 200
    if request.method == "POST" and form.is_valid() and _code_check(form, [device]):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[TWO_FACTOR_SET_UP_KEY] = True
        messages.success(request, _("Two-factor sign-in is on."))
        return redirect(_next_url(request, reverse("account")))
    if form.errors:
        status = 400
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "account/two_factor_enrol.html",
        {
            "form": form,
            "qr": qr.svg_data_uri(scale=5, border=2),
            "secret": _secret_groups(device),
            "needs_two_factor": access.needs_two_factor(request.user),
            "next": _next_url(request, ""),
        },
        status=status,
    )


@login_required
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator app."""
    if not user_has_device(request.user):
        return redirect(f"{reverse('two_factor_enrol')}?{request.GET.urlencode()}")
    if request.user.is_verified():
        return redirect(_next_url(request, reverse("account")))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = _code_check(form, list(devices_for_user(request.user)))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request, reverse("account")))
    if form.errors:
        status = 400
    return render(
        request,
        "account/two_factor_verify.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


@login_required
def role_request_new(request):
    form = RoleRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_request_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                council=form.cleaned_data["council"],
                job_title=form.cleaned_data["job_title"],
                reason=form.cleaned_data["reason"],
                site=_site(request),
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your request has been sent. You will get an email when it has been decided."),
            )
            return redirect("account")
    status = 400 if form.errors else 200
    return render(request, "account/role_request_new.html", {"form": form}, status=status)


@login_required
def role_request_list(request):
    if not access.may_decide_role_requests(request.user):
        raise PermissionDenied(_("Only officer-administrators and sector staff decide requests."))
    requests = access.decidable_role_requests(request.user)
    return render(request, "account/role_request_list.html", {"requests": requests})


@login_required
def role_request_detail(request, pk):
    role_request = access.access_role_request_for_decision(request.user, pk)
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            services.role_request_decide(
                user=request.user, role_request=role_request, approve=approve, site=_site(request)
            )
        except services.AccountError as error:
            messages.error(request, str(error))
        else:
            text = _("Approved: %(request)s.") if approve else _("Refused: %(request)s.")
            messages.success(request, text % {"request": role_request})
        return redirect("role_request_list")
    return render(request, "account/role_request_detail.html", {"role_request": role_request})


@login_required
def api_tokens(request):
    """A person's API tokens: made here, the key shown once on the answer to the form."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _token, key = api_token_create(
                user=request.user, name=form.cleaned_data["name"], **form.scope_values()
            )
            form = ApiTokenForm(user=request.user)
        else:
            status = 400
    return render(
        request,
        "account/api_tokens.html",
        {
            "form": form,
            "key": key,
            "tokens": ApiToken.objects.filter(user=request.user).select_related("council"),
        },
        status=status,
    )


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = access.access_api_token_for_revoke(request.user, pk)
    token.delete()
    name = token.name or token.prefix
    messages.success(request, _("Token %(name)s is revoked.") % {"name": name})
    return redirect("api_tokens")
