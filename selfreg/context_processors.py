from django.conf import settings

from selfreg import access


def portal(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "is_sector_staff": access.is_sector_staff(getattr(request, "user", None)),
    }
