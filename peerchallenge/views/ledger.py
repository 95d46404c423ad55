"""The reciprocity ledger: peer days given and received, as a page and a CSV."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from peerchallenge import access as pc_access
from peerchallenge import selectors
from selfreg.csvfiles import csv_response


def _ledger_or_403(user) -> dict:
    councils = pc_access.ledger_councils(user)
    if councils is not None and not councils:
        raise PermissionDenied("The ledger is for councils and sector staff.")
    return selectors.ledger_tables(council_ids=councils)


@login_required
def ledger(request):
    tables = _ledger_or_403(request.user)
    return render(
        request,
        "peerchallenge/ledger.html",
        {"tables": tables, "everyone": pc_access.ledger_councils(request.user) is None},
    )


LEDGER_CSV_COLUMNS = ["gss_code", "council", "region", "days_given", "days_received", "net"]


@login_required
def ledger_csv(request):
    tables = _ledger_or_403(request.user)
    rows = [
        {
            "gss_code": row["council"].gss_code,
            "council": row["council"].name,
            "region": row["region"],
            "days_given": row["given"],
            "days_received": row["received"],
            "net": row["net"],
        }
        for row in tables["councils"]
    ]
    return csv_response(rows, "peer-days-ledger.csv", header=LEDGER_CSV_COLUMNS)
