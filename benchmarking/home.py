"""What the home page shows of a council from benchmarking (registered in `apps.py`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from selfreg import access
from selfreg.home import HomeLine


def council_lines(user, council) -> list[HomeLine]:
    """The council's dashboard, and for those who submit its data, the upload page."""
    lines = [
        HomeLine(
            _("Benchmarking"),
            _("Your council's dashboard"),
            reverse("benchmarking:council", args=[council.gss_code]),
        )
    ]
    if access.can_submit_for(user, council):
        lines.append(HomeLine(_("Data"), _("Submit figures"), reverse("benchmarking:upload")))
    return lines
