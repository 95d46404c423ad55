"""Demo people for a first run, one per role, attached to real councils."""

from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction

from selfreg.models import COUNCIL_ROLES, Council, Role, RoleKind, User

DEMO_COUNCIL = "E06000001"  # Hartlepool
DEMO_USERS = [
    ("officer@example.com", "Olu Officer", RoleKind.OFFICER),
    ("councillor@example.com", "Cara Councillor", RoleKind.COUNCILLOR),
    ("council-admin@example.com", "Ade Administrator", RoleKind.COUNCIL_ADMIN),
    ("staff@example.com", "Sam Sector", RoleKind.SECTOR_STAFF),
    ("peer@example.com", "Pat Peer", RoleKind.PEER),
    ("provider@example.com", "Priya Provider", RoleKind.PROVIDER),
    ("political@example.com", "Lee Lead", RoleKind.POLITICAL_LEAD),
]


@cache
def demo_password_hash(password: str) -> str:
    """The demo password, hashed once for every demo user: a hash takes about half a second
    of processor time by design, and the demo users all share the one known password."""
    return make_password(password)


def demo_seed(*, password: str) -> list[tuple[str, str]]:
    council = Council.objects.filter(gss_code=DEMO_COUNCIL).first()
    if council is None:
        raise ValueError("Load the council register first (manage.py load_councils).")
    created = []
    with transaction.atomic():
        for email, name, kind in DEMO_USERS:
            user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
            user.password = demo_password_hash(password)
            user.save()
            role_council = council if kind in COUNCIL_ROLES else None
            Role.objects.get_or_create(user=user, kind=kind, council=role_council)
            label = RoleKind(kind).label
            created.append((email, f"{label}, {council}" if role_council else str(label)))
        admin, _ = User.objects.get_or_create(
            email="admin@example.com",
            defaults={"full_name": "Ada Admin", "is_staff": True, "is_superuser": True},
        )
        admin.password = demo_password_hash(password)
        admin.save()
        created.append(("admin@example.com", "Site administrator"))
    return created
