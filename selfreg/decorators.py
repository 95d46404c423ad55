"""How each view declares who may open it. Every view carries one of these or login_required."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from selfreg import access


def sector_staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.is_sector_staff(request.user):
            raise PermissionDenied("This page is for sector staff.")
        return view(request, *args, **kwargs)

    return wrapped
