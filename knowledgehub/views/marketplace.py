"""The improvement-support marketplace: providers, offers, reviews, their moderation and replies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledgehub import access, selectors, services
from knowledgehub.forms.marketplace import (
    MarketplaceFilterForm,
    OfferForm,
    ProviderForm,
    ReviewForm,
    ReviewReplyForm,
)
from knowledgehub.models import (
    PriceBand,
    Review,
    ReviewStatus,
)
from knowledgehub.views import _page, public
from selfreg.access import council_ids, is_sector_staff
from selfreg.csvfiles import csv_response
from selfreg.decorators import sector_staff_required
from selfreg.refusals import form_page


def _marketplace_filter(request):
    """The marketplace's filter form and the theme and price band it asks for ("" for any)."""
    form = MarketplaceFilterForm(request.GET or None)
    if not form.is_valid():
        return form, "", ""
    return form, form.cleaned_data["theme"], form.cleaned_data["price_band"]


@public
def marketplace(request):
    form, theme, price_band = _marketplace_filter(request)
    rows = selectors.offer_comparison(theme=theme, price_band=price_band)
    return _page(
        request,
        "marketplace.html",
        {
            "form": form,
            "rows": rows,
            "can_create_provider": access.can_create_provider(request.user),
            "managed": request.user.managed_providers.all()
            if request.user.is_authenticated
            else [],
            "price_bands": PriceBand,
        },
        form,
    )


MARKETPLACE_CSV_COLUMNS = [
    "offer", "provider", "provider_kind", "theme", "price_band", "delivery_mode", "reviews",
    "fair_average", "plain_average", "verified_engagements",
    *(f"rated_{n}" for n in range(1, 6)),
]  # fmt: skip


@public
def marketplace_csv(request):
    """The comparison as a CSV file, in the same order and with the same filters."""
    _form, theme, price_band = _marketplace_filter(request)
    rows = [
        {
            "offer": row.offer.title,
            "provider": row.offer.provider.name,
            "provider_kind": row.offer.provider.get_kind_display(),
            "theme": row.offer.theme.name,
            "price_band": row.offer.get_price_band_display(),
            "delivery_mode": row.offer.get_delivery_mode_display(),
            "reviews": row.score.count,
            "fair_average": round(row.score.fair, 3) if row.score.count else None,
            "plain_average": round(row.score.mean, 3) if row.score.count else None,
            "verified_engagements": row.verified,
            **{f"rated_{n}": count for n, count in enumerate(row.score.distribution, start=1)},
        }
        for row in selectors.offer_comparison(theme=theme, price_band=price_band)
    ]
    return csv_response(rows, "improvement-support-offers.csv", header=MARKETPLACE_CSV_COLUMNS)


@public
def provider(request, slug):
    provider = access.access_provider(request.user, slug)
    can_manage = access.can_manage_provider(request.user, provider)
    offers = provider.offers.select_related("theme")
    if not can_manage:
        offers = offers.filter(is_active=True)
    return render(
        request,
        "knowledgehub/provider.html",
        {"provider": provider, "offers": offers, "can_manage": can_manage},
    )


@login_required
def provider_new(request):
    if not access.can_create_provider(request.user):
        raise PermissionDenied(
            _("Only providers, council officers and sector staff list providers.")
        )
    return form_page(
        request,
        ProviderForm(request.POST or None),
        lambda data: services.provider_create(
            user=request.user,
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            website=data["website"],
            council=data["council"],
        ),
        template="knowledgehub/provider_form.html",
        done=_("Provider listed. Now add its offers."),
        follow=True,
    )


@login_required
def offer_new(request, slug):
    provider = access.access_provider_for_change(request.user, slug)
    return _offer_form(request, provider, None)


@login_required
def offer_edit(request, pk):
    offer = access.access_offer_for_change(request.user, pk)
    return _offer_form(request, offer.provider, offer)


def _offer_form(request, provider, offer):
    initial = {"is_active": True}
    if offer is not None:
        initial = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
    return form_page(
        request,
        OfferForm(request.POST or None, initial=initial),
        lambda data: services.offer_save(user=request.user, provider=provider, offer=offer, **data),
        template="knowledgehub/offer_form.html",
        context={"provider": provider, "offer": offer},
        done=_("Offer saved."),
        follow=True,
    )


@public
def offer(request, pk):
    offer = access.access_offer(request.user, pk)
    reviews = list(
        offer.reviews.select_related("council", "reply").filter(status=ReviewStatus.PUBLISHED)
    )
    own = council_ids(request.user)
    own_reviews = (
        offer.reviews.filter(council_id__in=own).exclude(status=ReviewStatus.PUBLISHED)
        if own
        else Review.objects.none()
    )
    runs = access.runs_provider(request.user, offer.provider)
    for review in reviews:
        review.can_verify = access.can_verify(request.user, review, runs=runs)
        review.can_reply = access.can_reply(request.user, review, runs=runs)
    return render(
        request,
        "knowledgehub/offer.html",
        {
            "offer": offer,
            "row": selectors.offer_score(offer),
            "reviews": reviews,
            "own_reviews": own_reviews.select_related("council"),
            "can_review": access.can_review(request.user, offer),
            "can_manage": access.can_manage_provider(request.user, offer.provider),
            "is_staff": is_sector_staff(request.user),
        },
    )


@login_required
def review_write(request, pk):
    offer = access.access_offer_for_review(request.user, pk)
    councils = access.reviewing_councils(request.user, offer)
    existing = Review.objects.filter(offer=offer, council__in=councils).first()
    initial = {}
    if existing is not None:
        initial = {
            "council": existing.council_id,
            "rating": existing.rating,
            "quality": existing.quality,
            "value": existing.value,
            "impact": existing.impact,
            "comment": existing.comment,
            "engaged_on": existing.engaged_on,
        }
    return form_page(
        request,
        ReviewForm(request.POST or None, councils=councils, initial=initial),
        lambda data: services.review_save(user=request.user, offer=offer, **data),
        template="knowledgehub/review_form.html",
        context={"offer": offer, "existing": existing},
        done=_("Thank you. Your review will show once sector staff have checked it."),
        to=offer,
    )


@sector_staff_required
@require_POST
def review_moderate(request, review_id):
    review = access.access_review_for_moderation(request.user, review_id)
    publish = request.POST.get("decision") == "publish"
    services.review_moderate(user=request.user, review=review, publish=publish)
    messages.success(request, _("Review published.") if publish else _("Review not published."))
    return redirect("knowledgehub:review_queue")


@login_required
@require_POST
def review_verify(request, review_id):
    review = access.access_review_for_verification(request.user, review_id)
    services.review_verify(user=request.user, review=review)
    messages.success(request, _("Engagement confirmed."))
    return redirect(review.offer)


@login_required
def review_reply(request, review_id):
    review = access.access_review_for_reply(request.user, review_id)
    return form_page(
        request,
        ReviewReplyForm(request.POST or None),
        lambda data: services.review_reply(user=request.user, review=review, body=data["body"]),
        template="knowledgehub/review_reply.html",
        context={"review": review},
        done=_("Reply published under the review."),
        to=review.offer,
    )
