"""Peer challenge pages. Views translate: forms validate, `access` decides, services act.

One module per part: `public`, `challenges`, `reports`, `pool`, `invitations`, `rounds` and
`ledger`; `urls.py` names each view by its module. A page with a form is
`selfreg.refusals.form_page` on the `FORM` template, a button that posts `act_and_redirect`.
"""

FORM = "peerchallenge/form.html"


def _data(request):
    """The submitted data, bound even when empty so that an empty form shows its errors."""
    return request.POST if request.method == "POST" else None
