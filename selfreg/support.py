"""Support the portal's tools can offer a council, for sector staff to link to an alert.

The kernel keeps the registry so that early warning can list peer challenges, marketplace
offers and library items without importing the tools that hold them: each tool registers a
function from its `AppConfig.ready` that lists, for a council, what it could offer it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SupportOption:
    kind: str  # "peer_challenge", "improvement_support" or "library"
    title: str
    url: str  # an address in the portal


_LISTERS: dict[str, Callable] = {}


def support_lister_register(kind: str, lister: Callable) -> None:
    """`lister(council)` returns the SupportOptions of this kind for the council. Registering
    again under the same kind replaces the lister (AppConfig.ready may run twice in tests)."""
    _LISTERS[kind] = lister


def support_options(council) -> list[SupportOption]:
    """Every support option for a council, kind by kind in the order registered."""
    options = []
    for lister in _LISTERS.values():
        options.extend(lister(council))
    return options
