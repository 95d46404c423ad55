"""What the home page shows from the Knowledge Hub (registered in `apps.py`): a provider's
reviews awaiting its reply, and sector staff's reviews awaiting moderation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from knowledgehub import access, selectors
from knowledgehub.models import Provider
from selfreg.access import has_role
from selfreg.home import HomeItem, HomeSection
from selfreg.models import RoleKind

SHOWN = 10  # the oldest first; the page linked below lists them all


def _about(review) -> str:
    return _("%(council)s on “%(offer)s”") % {
        "council": review.council.name,
        "offer": review.offer.title,
    }


def reviews_to_answer(user) -> HomeSection | None:
    """For the people of a provider: published reviews of their offers without a reply."""
    runs_any = Provider.objects.filter(managers=user).exists() if user.is_authenticated else False
    if not runs_any and not has_role(user, RoleKind.PROVIDER):
        return None
    return HomeSection(
        _("Reviews waiting for your reply"),
        [
            HomeItem(
                _about(r),
                reverse("knowledgehub:review_reply", args=[r.pk]),
                _("Rated %(n)s out of 5") % {"n": r.rating},
            )
            for r in access.reviews_awaiting_reply(user).order_by("moderated_at")[:SHOWN]
        ],
        empty=_("No review is waiting for your reply."),
        more_text=_("The marketplace"),
        more_url=reverse("knowledgehub:marketplace"),
        count=access.reviews_awaiting_reply(user).count(),
    )


def reviews_to_moderate(user) -> HomeSection | None:
    """Sector staff: councils' reviews waiting to be published or refused."""
    if not access.can_moderate_reviews(user):
        return None
    return HomeSection(
        _("Reviews waiting for moderation"),
        [
            HomeItem(
                _about(r),
                reverse("knowledgehub:review_queue"),
            )
            for r in selectors.reviews_awaiting_moderation().order_by("created_at")[:SHOWN]
        ],
        empty=_("No review is waiting for moderation."),
        more_text=_("Everything waiting for moderation"),
        more_url=reverse("knowledgehub:review_queue"),
        count=selectors.reviews_awaiting_moderation().count(),
    )
