"""What the Knowledge Hub can offer any council: listed marketplace offers and published
library items."""

from knowledgehub.models import CaseStudy, Offer
from selfreg.support import SupportOption


def offer_options(council) -> list[SupportOption]:
    offers = Offer.objects.active().select_related("provider").order_by("title")
    return [
        SupportOption(
            kind="improvement_support",
            title=f"{o.title} ({o.provider.name})",
            url=o.get_absolute_url(),
        )
        for o in offers
    ]


def library_options(council) -> list[SupportOption]:
    items = CaseStudy.objects.published().order_by("title")
    return [
        SupportOption(
            kind="library",
            title=f"{c.title} ({c.get_kind_display().lower()})",
            url=c.get_absolute_url(),
        )
        for c in items
    ]
