"""User-written Markdown is rendered and sanitised: no script can come through."""

import pytest

from knowledgehub.richtext import to_html
from tests.inert import assert_inert

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">y</a>',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">z</div>',
    "[x](vbscript:msgbox(1))",
    '[x](https://example.org "title" onmouseover=alert(1))',
    "<<script>script>alert(1)<</script>/script>",
    "```\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_strings_are_inert(attack):
    html = to_html(attack)
    assert_inert(html)
    assert "<script" not in html.lower()


def test_raw_html_is_shown_as_text():
    assert to_html("<b>bold</b>") == '<p class="govuk-body">&lt;b&gt;bold&lt;/b&gt;</p>'


def test_markdown_still_works_with_govuk_classes_and_safe_links():
    html = to_html("# Big\n\n**b** and [site](https://example.org) and [m](mailto:a@b.org)")
    assert '<h3 class="govuk-heading-m">Big</h3>' in html
    assert "<strong>b</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow noopener"' in html
    assert 'href="mailto:a@b.org"' in html


@pytest.mark.parametrize("target", ["/relative", "//evil.example", "ftp://x.org", "data:,x"])
def test_links_other_than_http_https_mailto_lose_their_address(target):
    html = to_html(f"[go]({target})")
    assert "href" not in html
    assert ">go</a>" in html


def test_images_are_not_allowed():
    assert "<img" not in to_html("![alt](https://example.org/x.png)")
