"""Requests the portal refuses before any view sees them."""

from django.http import JsonResponse
from django.views.defaults import bad_request


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
