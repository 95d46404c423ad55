"""The measure catalogue and the data updates page: what the portal holds, where each
measure comes from, and how current it is. Both are public; coverage is counted from the
group statistics the reader may see."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.shortcuts import render

from benchmarking import selectors
from benchmarking.catalogue import Coverage, coverage
from benchmarking.datasets import DATASETS
from benchmarking.forms import CatalogueFilterForm
from benchmarking.models import DatasetImport, Metric
from selfreg.csvfiles import csv_response

PAGE_SIZE = 100
CSV_HEADER = [
    "code",
    "title",
    "element",
    "theme",
    "unit",
    "polarity",
    "definition",
    "first_period",
    "latest_period",
    "councils_in_latest_period",
    "nations",
    "dataset",
    "source",
    "licence",
    "attribution",
    "last_imported",
]


@dataclass
class CatalogueRow:
    metric: Metric
    coverage: Coverage
    dataset_title: str
    imported: DatasetImport | None

    def csv(self) -> dict:
        metric = self.metric
        return {
            "code": metric.code,
            "title": metric.title,
            "element": metric.element,
            "theme": metric.theme,
            "unit": metric.unit,
            "polarity": metric.polarity,
            "definition": metric.definition,
            "first_period": self.coverage.first,
            "latest_period": self.coverage.latest,
            "councils_in_latest_period": self.coverage.councils,
            "nations": "; ".join(self.coverage.nations),
            "dataset": metric.dataset,
            "source": metric.source,
            "licence": metric.licence,
            "attribution": metric.attribution,
            "last_imported": self.imported.imported_at.date().isoformat() if self.imported else "",
        }


def measure_list(request):
    """Every measure in the catalogue, filtered by element, theme, source and coverage."""
    metrics = list(Metric.objects.order_by("element", "theme", "title"))
    themes = sorted({m.theme for m in metrics if m.theme})
    datasets = sorted({m.dataset for m in metrics if m.dataset})
    form = CatalogueFilterForm(
        request.GET or None,
        themes=themes,
        datasets=[(d, DATASETS[d].title if d in DATASETS else d) for d in datasets],
    )
    wanted = form.cleaned_data if form.is_valid() else {}
    facts = coverage(selectors.catalogue_statistics(request.user))
    imports = {d.name: d for d in DatasetImport.objects.all()}
    rows = [
        CatalogueRow(
            metric=m,
            coverage=facts.get(m.pk, Coverage()),
            dataset_title=DATASETS[m.dataset].title if m.dataset in DATASETS else "",
            imported=imports.get(m.dataset),
        )
        for m in metrics
    ]
    rows = [row for row in rows if _matches(row, wanted)]
    if request.GET.get("format") == "csv":
        return csv_response((r.csv() for r in rows), "measures.csv", header=CSV_HEADER)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "benchmarking/measure_list.html",
        {"form": form, "page": page, "found": len(rows), "query": query.urlencode()},
    )


def _matches(row: CatalogueRow, wanted: dict) -> bool:
    metric, search = row.metric, (wanted.get("q") or "").lower()
    return (
        (not wanted.get("element") or metric.element == wanted["element"])
        and (not wanted.get("theme") or metric.theme == wanted["theme"])
        and (not wanted.get("dataset") or metric.dataset == wanted["dataset"])
        and (not wanted.get("nation") or wanted["nation"] in row.coverage.nations)
        and (not search or search in metric.title.lower() or search in metric.code.lower())
    )


def data_updates(request):
    """Each published dataset the portal holds, when its source published it and when the
    portal last imported it."""
    imports = {d.name: d for d in DatasetImport.objects.all()}
    rows = [
        {"dataset": dataset, "imported": imports.get(name)}
        for name, dataset in sorted(DATASETS.items(), key=lambda item: item[1].title)
    ]
    return render(request, "benchmarking/data_updates.html", {"rows": rows})
