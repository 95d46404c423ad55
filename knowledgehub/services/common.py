"""What the hub's writes share: refusing whoever may not act, and a free slug."""

from django.core.exceptions import PermissionDenied
from django.utils.text import slugify


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _unique_slug(model, text: str) -> str:
    base = slugify(text)[:70] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
