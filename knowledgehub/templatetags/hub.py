from django import template

from knowledgehub.richtext import render

register = template.Library()


@register.filter
def richtext(value):
    """User-written Markdown as sanitised HTML."""
    return render(value)


@register.filter
def stars(value):
    """A rating as text that reads the same to everyone: "4 out of 5"."""
    return f"{value} out of 5" if value else ""
