"""Checking rendered HTML the way a browser reads it: real tags and real attributes."""

from html.parser import HTMLParser

ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "math", "form"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#", "?")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.scripts = []  # the text inside each <script> element
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


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


def assert_page_inert(html: str, marker: str = "alert(") -> None:
    """A whole page that shows hostile text: the portal's own markup is allowed (its scripts
    come from /static/ or hold JSON; its SVG sparklines are drawn by the server), but no
    element, attribute or script carries the hostile text as code."""
    collector = _Collector()
    collector.feed(html)
    for tag, attrs in collector.tags:
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/") or attrs.get("type") in {
                "application/json",
                "module",
            }, attrs
        assert tag not in {"iframe", "object", "embed"}, (tag, attrs)
        for name, value in attrs.items():
            assert not (name.startswith("on") and marker in (value or "")), (tag, name, value)
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value:
                assert not value.strip().lower().startswith(("javascript:", "data:")), (tag, value)
    for script in collector.scripts:
        assert "<script" not in script.lower()
        if marker in script:  # only inside JSON data, escaped by json_script
            assert "</" not in script
