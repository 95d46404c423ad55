"""Safe rich text: Markdown written by users, rendered and then sanitised with an allow-list.

Raw HTML in the source is never treated as markup: Markdown's HTML handling is switched off,
so `<script>` arrives as the text "<script>". The rendered HTML then goes through nh3 with a
short allow-list of tags and attributes; links keep only http, https and mailto addresses
and get rel="nofollow noopener". Headings are demoted so that a user's "# Title" never
competes with the page's own headings.
"""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}
ABSOLUTE_PREFIXES = ("http://", "https://", "mailto:")
GOVUK_CLASSES = {
    "p": {"class": "govuk-body"},
    "a": {"class": "govuk-link"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "h3": {"class": "govuk-heading-m"},
    "h4": {"class": "govuk-heading-s"},
    "h5": {"class": "govuk-heading-s"},
    "h6": {"class": "govuk-heading-s"},
    "table": {"class": "govuk-table"},
    "blockquote": {"class": "govuk-inset-text"},
    "hr": {"class": "govuk-section-break govuk-section-break--m govuk-section-break--visible"},
}


class _DemoteHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1].isdigit():
                element.tag = f"h{min(int(element.tag[1]) + 2, 6)}"


class _NoRawHtml(Extension):
    """Treat raw HTML, block and inline, as text."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 1)


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Relative and scheme-less addresses go too: a link names where it leads in full."""
    if tag == "a" and attribute == "href" and not value.lower().startswith(ABSOLUTE_PREFIXES):
        return None
    return value


def to_html(text: str) -> str:
    """The sanitised HTML for a piece of user-written Markdown."""
    rendered = markdown.markdown(
        text or "", extensions=[_NoRawHtml(), "tables", "sane_lists", "fenced_code"]
    )
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        set_tag_attribute_values=GOVUK_CLASSES,
        strip_comments=True,
        attribute_filter=_only_absolute_links,
    )


def render(text: str) -> SafeString:
    # Safe because nh3 has reduced it to the allow-list above.
    return mark_safe(to_html(text))  # noqa: S308
