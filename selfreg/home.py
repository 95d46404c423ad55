"""The home page of a signed-in person: their councils and the work waiting for them.

The kernel imports no tool, so each tool registers from its `AppConfig.ready` what it holds
for a person, in its own `home.py`:

- a council lister, `lister(user, council) -> list[HomeLine]`: what "your council" shows
  from that tool (the dashboard, the self-assessment's stage, the peer challenge's stage…);
- a work lister, `lister(user) -> HomeSection | None`: the person's own waiting work (a
  peer's invitations, a provider's reviews to answer, sector staff's alerts), or None where
  the section is not for them.

Each lister reads through its own app's access module, so the home page shows nobody what
they may not see. Registering again under the same name replaces the lister (as
`selfreg.support` does), since `AppConfig.ready` may run twice in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from selfreg import access
from selfreg.models import COUNCIL_ROLES, Council, Role, RoleKind


@dataclass(frozen=True)
class HomeLine:
    """One row of "your council": what it is, a link, and its state in a word or two."""

    label: str
    text: str
    url: str
    status: str = ""


@dataclass(frozen=True)
class HomeItem:
    text: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class HomeSection:
    """A heading and the things waiting under it. An empty section says nothing waits."""

    title: str
    items: list[HomeItem] = field(default_factory=list)
    empty: str = ""
    more_text: str = ""
    more_url: str = ""
    count: int | None = None  # how many wait in all, where `items` shows only the first few

    @property
    def total(self) -> int:
        return len(self.items) if self.count is None else self.count


@dataclass(frozen=True)
class CouncilHome:
    council: Council
    roles: list[str]
    lines: list[HomeLine]


# name: (order, lister). The order places each tool's lines the same whatever the order in
# which the apps are loaded.
_COUNCIL_LISTERS: dict[str, tuple[int, Callable]] = {}
_WORK_LISTERS: dict[str, tuple[int, Callable]] = {}


def home_council_register(name: str, lister: Callable, *, order: int) -> None:
    _COUNCIL_LISTERS[name] = (order, lister)


def home_work_register(name: str, lister: Callable, *, order: int) -> None:
    _WORK_LISTERS[name] = (order, lister)


def _in_order(listers: dict) -> list[Callable]:
    return [lister for _order, lister in sorted(listers.values(), key=lambda ol: ol[0])]


def home_councils(user) -> list[CouncilHome]:
    """Each council where the person is an officer or councillor, with what every tool shows
    of it, tool by tool in their order."""
    roles = (
        Role.objects.for_user(user)
        .filter(kind__in=COUNCIL_ROLES)
        .select_related("council")
        .order_by("council__name", "kind")
    )
    by_council: dict[int, CouncilHome] = {}
    for role in roles:
        home = by_council.get(role.council_id)
        if home is None:
            lines = [
                line
                for lister in _in_order(_COUNCIL_LISTERS)
                for line in lister(user, role.council)
            ]
            home = by_council[role.council_id] = CouncilHome(role.council, [], lines)
        home.roles.append(role.get_kind_display())
    return list(by_council.values())


def _grouping_invitations(user) -> HomeSection | None:
    """Invitations for the person's councils to join a grouping, answered on the account page."""
    if not access.council_ids(user, {RoleKind.OFFICER}):
        return None
    items = [
        HomeItem(
            _("%(council)s is invited to join %(grouping)s")
            % {"council": m.council.name, "grouping": m.grouping.name},
            reverse("account"),
        )
        for m in access.invitations_for(user)
    ]
    if not items:
        return None
    return HomeSection(_("Invitations to join a grouping"), items)


def home_work(user) -> list[HomeSection]:
    """The person's waiting work, one section per kind, the kernel's first."""
    sections = [_grouping_invitations(user)]
    sections += [lister(user) for lister in _in_order(_WORK_LISTERS)]
    return [s for s in sections if s is not None]
