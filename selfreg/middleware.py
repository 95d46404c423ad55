"""Requests the portal refuses before any view sees them, and what every answer carries."""

import time

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.views.defaults import bad_request

SESSION_SEEN_KEY = "_seen"


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
