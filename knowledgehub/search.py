"""Searching the good-practice library.

On PostgreSQL: full-text search with English stemming ("budgets" finds "budgeting"), ranked
with title matches weighted above the summary, and the summary above the body and outcomes,
against a stored `search_vector` kept up to date by the service that saves a case study.
Snippets come from PostgreSQL's `ts_headline` with private-use characters marking the
matches; the snippet is escaped first and only then are those markers turned into `<mark>`,
so nothing in a case study can reach the page as markup. On SQLite (a first run with no
services) every word must appear somewhere, matched without stemming.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from knowledgehub.models import CaseStudy

CONFIG = "english"
START, STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"({START}|{STOP})")
SNIPPET_CHARS = 240


@dataclass
class Hit:
    case_study: CaseStudy
    snippet: SafeString


def document_vector():
    """The weighted document a case study is searched by."""
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("summary", weight="B", config=CONFIG)
        + SearchVector("body", "outcomes", weight="C", config=CONFIG)
    )


def highlight(marked: str) -> SafeString:
    """Text with START/STOP markers as HTML: everything escaped, markers as balanced
    `<mark>` elements. Stray or unbalanced markers are dropped."""
    out, open_ = [], False
    for part in _MARKERS.split(marked):
        if part == START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(escape(part))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def mark_terms(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of `text` around the first term found, with every term marked."""
    text = text.replace(START, "").replace(STOP, "")
    terms = [t for t in terms if t]
    lowered = text.lower()
    positions = [lowered.find(t.lower()) for t in terms]
    first = min((p for p in positions if p >= 0), default=0)
    begin = max(0, first - width // 3)
    window = text[begin : begin + width]
    if terms:
        pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
        window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if begin + width < len(text) else ""
    return f"{prefix}{window}{suffix}"


def filter_case_studies(queryset, *, theme: str = "", council_type: str = "", region: str = ""):
    through = CaseStudy.councils.through.objects
    if theme:
        queryset = queryset.filter(
            pk__in=CaseStudy.themes.through.objects.filter(theme__slug=theme).values("casestudy_id")
        )
    if council_type:
        queryset = queryset.filter(
            pk__in=through.filter(council__kind=council_type).values("casestudy_id")
        )
    if region:
        queryset = queryset.filter(
            pk__in=through.filter(council__region=region).values("casestudy_id")
        )
    return queryset


def search_case_studies(queryset, text: str, *, limit: int = 50) -> list[Hit]:
    """Case studies in `queryset` matching `text`, best first, each with a snippet."""
    text = text.strip()[:200]
    if not text:
        return [
            Hit(case_study=c, snippet=highlight(mark_terms(c.summary, [])))
            for c in queryset[:limit]
        ]
    if connection.vendor == "postgresql":
        return _postgres(queryset, text, limit)
    return _fallback(queryset, text, limit)


def _postgres(queryset, text: str, limit: int) -> list[Hit]:
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    rows = (
        queryset.filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            headline=SearchHeadline(
                Concat(
                    "summary",
                    Value(" "),
                    "body",
                    Value(" "),
                    "outcomes",
                    output_field=TextField(),
                ),
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=40,
                min_words=20,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "pk")[:limit]
    )
    return [Hit(case_study=row, snippet=highlight(row.headline)) for row in rows]


def _fallback(queryset, text: str, limit: int) -> list[Hit]:
    terms = text.split()[:10]
    for term in terms:
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(body__icontains=term)
            | Q(outcomes__icontains=term)
        )
    hits = []
    for case_study in queryset[: limit * 4]:
        in_title = sum(t.lower() in case_study.title.lower() for t in terms)
        source = f"{case_study.summary} {case_study.body} {case_study.outcomes}"
        hits.append(
            (in_title, Hit(case_study=case_study, snippet=highlight(mark_terms(source, terms))))
        )
    hits.sort(key=lambda pair: -pair[0])
    return [hit for _, hit in hits[:limit]]
