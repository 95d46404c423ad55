"""Knowledge Hub forms, one module per part: `library`, `communities` and `marketplace`."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django.utils.translation import gettext_lazy as _

MARKDOWN_HELP = _(
    "You can use Markdown: **bold**, *italic*, [link text](https://example.org), "
    "lists starting with - . HTML is shown as text."
)


def _helper(*fields, button: str):
    helper = FormHelper()
    helper.layout = Layout(*fields, Button("save", button))
    return helper
