"""Printable pages as PDF: the page's own HTML, laid out by WeasyPrint with the print stylesheet.

`printable` wraps a page's view so that the same address with `?format=pdf` answers the page
as a PDF download. The view itself runs, so who may see the PDF is exactly who may see the
page; anything but a page (a redirect to sign in, a 403, a 404) is answered as it is.

The page is rendered for printing without its stylesheet links: the same stylesheets, parsed
once per process, are given to WeasyPrint, which otherwise fetches only the portal's own
static files, read from disk: a page's HTML never makes it open another address, on this
machine or elsewhere.
"""

from __future__ import annotations

import functools
import logging
import math
import mimetypes
import time
from functools import wraps
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from selfreg import ratelimit

logger = logging.getLogger(__name__)
PDF = "pdf"


def _static_file(name: str) -> Path | None:
    """A static file by its name under STATIC_URL: collected (with its hashed name) or found
    in the project's static folders."""
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError):
        return None
    found = finders.find(name)
    return Path(found) if found else None


def _fetcher(base_url: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_url = urljoin(base_url, settings.STATIC_URL)
    static_path = urlsplit(static_url).path

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(static_url):
                raise ValueError(f"Only the portal's static files are read: {url}")
            name = unquote(urlsplit(url).path[len(static_path) :])
            path = _static_file(name)
            if path is None:
                raise ValueError(f"No static file {name}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticFetcher()


# The page's own stylesheets, parsed once per process: parsing the GOV.UK stylesheet takes
# longer than laying out a short report.
STYLESHEETS = ("govuk/portal.css", "css/print.css")


@functools.lru_cache(maxsize=8)
def _stylesheet(path: Path, modified: float):
    from weasyprint import CSS

    return CSS(filename=str(path))


def _stylesheets() -> list:
    paths = [_static_file(name) for name in STYLESHEETS]
    return [_stylesheet(path, path.stat().st_mtime) for path in paths if path]


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Lay out a page's HTML, rendered for printing (without its stylesheet links), as a
    PDF with the page's stylesheets for print."""
    # Imported here: WeasyPrint loads Pango, which only the PDF pages need.
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=_fetcher(base_url))
    return document.write_pdf(stylesheets=_stylesheets())


def _limited(request) -> int:
    """Seconds until this client address may ask for another PDF; 0 if it may now."""
    return ratelimit.limit_wait(
        key=f"pdf:address:{ratelimit.client_address(request)}",
        limit=ratelimit.Limit.parse(settings.PDF_LIMIT_PER_ADDRESS),
        now=time.time(),
    )


def _not_made(request, reason: str, status: int):
    context = {"reason": reason, "query": request.GET.urlencode()}
    return render(request, "home/pdf_not_made.html", context, status=status)


def printable(view):
    """Answer `?format=pdf` with the page as a PDF download named after its address."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.GET.get("format") != PDF:
            return view(request, *args, **kwargs)
        request.GET = request.GET.copy()
        del request.GET["format"]
        wait = _limited(request)
        if wait:
            minutes = math.ceil(wait / 60)
            reason = ngettext(
                "Many PDFs were asked for from your address in a short time. Try again in "
                "%(minutes)d minute.",
                "Many PDFs were asked for from your address in a short time. Try again in "
                "%(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
            return _not_made(request, reason, 429)
        request.printing = True
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            return response
        try:
            pdf = html_to_pdf(
                response.content.decode(response.charset),
                base_url=request.build_absolute_uri("/"),
            )
        except OSError:  # WeasyPrint could not load Pango: scripts/ensure_pango.sh
            logger.exception("PDF not made: WeasyPrint could not load its libraries")
            return _not_made(request, _("This server cannot make PDFs at the moment."), 503)
        answer = HttpResponse(pdf, content_type="application/pdf")
        answer["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{slugify(request.path) or 'page'}.pdf"
        )
        return answer

    return wrapped
