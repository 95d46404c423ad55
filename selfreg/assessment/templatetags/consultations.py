"""Open consultations, listed wherever a resident may look for them.

A template tag, so that the kernel's pages (the home page, a council's page) can list them
without the kernel importing the self-assessment tool.
"""

from django import template

from selfreg.assessment.access import open_consultations as open_consultations_of

register = template.Library()


@register.inclusion_tag("assessment/_open_consultations.html")
def open_consultations(council=None, limit=None, heading="m"):
    """The consultations open now (a council's only, when given), newest first; `limit` cuts
    the list and links to the whole one."""
    found = open_consultations_of(council)
    total = found.count()
    shown = list(found[:limit] if limit else found)
    return {
        "consultations": shown,
        "more": total > len(shown),
        "council": council,
        "heading": heading,
    }
