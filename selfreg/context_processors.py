from django.conf import settings

from selfreg import access
from selfreg.models import RoleKind


def _page_address(request) -> str:
    """The page's whole address as a reader would open it: what a printed copy cites."""
    query = request.GET.urlencode()
    return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")


def portal(request):
    return {
        # Printed pages and their PDFs (`selfreg.pdf`) say where they came from.
        "printing": getattr(request, "printing", False),
        "page_address": _page_address(request) if hasattr(request, "GET") else "",
        "portal_name": settings.PORTAL_NAME,
        "is_sector_staff": access.is_sector_staff(getattr(request, "user", None)),
        # Peers and the political groups' leads record soft intelligence (not read it back).
        "records_intelligence": access.has_role(getattr(request, "user", None), RoleKind.PEER)
        or access.has_role(getattr(request, "user", None), RoleKind.POLITICAL_LEAD),
    }
