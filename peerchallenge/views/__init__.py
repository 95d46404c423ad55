"""Peer challenge pages. Views translate: forms validate, `access` decides, services act.

One module per part: `public`, `challenges`, `reports`, `pool`, `invitations`, `rounds` and
`ledger`; `urls.py` names each view by its module.
"""


def _data(request):
    """The submitted data, bound even when empty so that an empty form shows its errors."""
    return request.POST if request.method == "POST" else None
