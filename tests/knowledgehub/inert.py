"""Checking rendered HTML the way a browser reads it: real tags and real attributes."""

from html.parser import HTMLParser

ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "math", "form"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#", "?")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags_of(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def assert_inert(html: str, *, page: bool = False) -> None:
    """No active element, no event handler or inline style, no link anywhere but http(s),
    mailto or this site. For a whole page, the portal's own script, forms and inputs are
    expected and allowed."""
    for tag, attrs in tags_of(html):
        if page and tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        elif page and tag == "form":
            pass
        else:
            assert tag not in ACTIVE_TAGS, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name != "style", (tag, name, value)
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value:
                assert value.strip().lower().startswith(SAFE_SCHEMES), (tag, name, value)
