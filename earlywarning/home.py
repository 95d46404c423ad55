"""What the home page shows from early warning (registered in `apps.py`): the conversations
a council is invited into, and sector staff's open alerts. Nothing else of early warning
reaches anyone but sector staff."""

from django.urls import reverse
from django.utils.translation import gettext as _

from earlywarning import access
from earlywarning.models import Alert
from selfreg.home import HomeItem, HomeLine, HomeSection

SHOWN = 10  # the highest band first; the queue lists them all


def council_lines(user, council) -> list[HomeLine]:
    """Conversations with sector staff the council's officers are invited into, while open."""
    return [
        HomeLine(
            _("Early warning"),
            _("Conversation with sector staff"),
            reverse("earlywarning:conversation", args=[alert.pk]),
        )
        for alert in access.conversations_for(user).filter(council=council).open()
    ]


def recording(user) -> HomeSection | None:
    """Peers and the political groups' leads record what they hear; only staff read it."""
    if access.can_see_signals(user) or not access.can_record_signal(user):
        return None
    return HomeSection(
        _("Intelligence about a council"),
        empty=_(
            "Tell sector staff what you have heard about a council that may be heading for "
            "difficulty. Only sector staff read it."
        ),
        more_text=_("Record what you have heard"),
        more_url=reverse("earlywarning:record_start"),
    )


def open_alerts(user) -> HomeSection | None:
    """Sector staff: open alerts assigned to the person, then how many are open in all."""
    if not access.can_see_signals(user):
        return None
    alerts = Alert.objects.open()
    mine = (
        alerts.filter(assignee=user)
        .select_related("council")
        .order_by("-band_rank", "opened_at")[:SHOWN]
    )
    total = alerts.count()
    return HomeSection(
        _("Early-warning alerts assigned to you"),
        [
            HomeItem(
                alert.council.name,
                reverse("earlywarning:alert", args=[alert.pk]),
                f"{alert.get_band_display()}, {alert.get_state_display()}",
            )
            for alert in mine
        ],
        empty=_("No open alert is assigned to you."),
        more_text=_("All %(n)s open alerts") % {"n": total},
        more_url=reverse("earlywarning:queue"),
        count=alerts.filter(assignee=user).count(),
    )
