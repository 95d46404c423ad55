"""Requests the portal refuses before any view sees them, and what every answer carries."""

import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.defaults import bad_request
from django_otp import user_has_device

from selfreg import access

SESSION_SEEN_KEY = "_seen"
TWO_FACTOR_SET_UP_KEY = "_two_factor_set_up"


class RejectNulCharactersMiddleware:
    """A NUL character in an address or its query is never meant, and PostgreSQL cannot
    compare text holding one: answer 400 at once, as JSON for the API, rather than fail deep
    inside a query. (Form fields already refuse NUL characters themselves.)"""

    message = "The address contains a NUL character (%00)."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, *request.GET.keys()]
        values += [value for _key, value in request.GET.lists() for value in value]
        if any("\x00" in value for value in values):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": self.message}, status=400)
            return bad_request(request, exception=ValueError(self.message))
        return self.get_response(request)


def session_mark_seen(sender, request, user, **kwargs):
    """Signing in saves the session anyway: mark it seen then, so the next requests need
    not save it again just for that."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SEEN_KEY] = int(time.time())


class PrivatePagesMiddleware:
    """Pages shown to a signed-in person are theirs alone: no browser or proxy keeps a copy
    (`Cache-Control: private, no-store`), so the back button on a shared computer after
    signing out, or a shared cache, shows nothing of them.

    Sessions end after `SESSION_COOKIE_AGE` seconds without a request. Saving the session
    on every request would write to the database each time; instead the session is marked
    as used at most once every `SESSION_TOUCH_SECONDS`, and each save moves its expiry on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            now = int(time.time())
            if now - request.session.get(SESSION_SEEN_KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                request.session[SESSION_SEEN_KEY] = now
        response = self.get_response(request)
        # Signing in or out happens during the request: its answer is private too.
        if signed_in or getattr(request, "user", None) is not user:
            patch_cache_control(response, private=True, no_store=True)
        return response


class TwoFactorMiddleware:
    """The one place two-factor sign-in is enforced. A person who must use a second factor
    (`selfreg.access.needs_two_factor`), or who has set one up, and has not given a code in
    this session reaches nothing but the step that asks for it (or, without an
    authenticator app yet, the step that sets one up) and signing out. The API answers 403
    for such a session; API tokens are not sessions and are not affected."""

    ALLOWED = ("two_factor_enrol", "two_factor_verify", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        required = access.needs_two_factor(user) or request.session.get(TWO_FACTOR_SET_UP_KEY)
        allowed = {reverse(name) for name in self.ALLOWED}
        if not required or request.path in allowed or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Sign in with your second factor first."}, status=403)
        step = "two_factor_verify" if user_has_device(user) else "two_factor_enrol"
        return redirect_to_login(request.get_full_path(), reverse(step))


def two_factor_note(sender, request, user, **kwargs):
    """At sign-in, note whether the person has set up a second factor: if so, it is asked
    for even where it is not required."""
    if request is not None and hasattr(request, "session"):
        request.session[TWO_FACTOR_SET_UP_KEY] = user_has_device(user)
