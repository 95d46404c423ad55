"""Knowledge Hub pages. Each view translates the request, asks `access` who may act, calls a
service for any write and redirects.

One module per part: `hub`, `library`, `communities` and `marketplace`; `urls.py` names each
view by its module.
"""

from django.shortcuts import render


def _page(request, template, context, form=None):
    status = 400 if form is not None and form.errors else 200
    return render(request, f"knowledgehub/{template}", context, status=status)


def public(view):
    """Marks a page anyone may open; the access module still decides what it shows."""
    view.is_public = True
    return view
