from django.conf import settings

from selfreg import access
from selfreg.models import RoleKind


def portal(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "is_sector_staff": access.is_sector_staff(getattr(request, "user", None)),
        # Peers and the political groups' leads record soft intelligence (not read it back).
        "records_intelligence": access.has_role(getattr(request, "user", None), RoleKind.PEER)
        or access.has_role(getattr(request, "user", None), RoleKind.POLITICAL_LEAD),
    }
