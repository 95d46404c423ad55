from django import template

register = template.Library()


@register.inclusion_tag("includes/nav_item.html", takes_context=True)
def nav_item(context, href: str, text: str):
    """A service navigation link, marked current on its own page and active below it."""
    path = context["request"].path
    return {
        "href": href,
        "text": text,
        "current": path == href,
        "active": path != href and path.startswith(href) and href != "/",
    }


@register.filter
def number(value, decimals: int = 0):
    """A figure for people: thousands separated, fixed decimals, a dash for no value."""
    if value is None or value == "":
        return "–"
    try:
        return f"{float(value):,.{int(decimals)}f}"
    except (TypeError, ValueError):
        return value
