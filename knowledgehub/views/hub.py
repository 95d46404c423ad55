"""The Knowledge Hub's front page."""

from django.shortcuts import render

from knowledgehub.forms.library import SearchForm
from knowledgehub.models import CaseStudy, Community, Offer, Theme
from knowledgehub.views import public


@public
def index(request):
    return render(
        request,
        "knowledgehub/index.html",
        {
            "latest": CaseStudy.objects.published()[:3],
            "themes": Theme.objects.all(),
            "search_form": SearchForm(),
            "communities": Community.objects.count(),
            "offers": Offer.objects.active().count(),
        },
    )
