"""Published datasets the portal imports whole: `python manage.py import_dataset NAME`.

Each dataset is a module with a pure `load(data_dir, councils=None)` that reads the files in
`data/` and returns plain data: catalogue rows, a long table of values and any family groups.
What the dataset modules share is in `base` (pure); `importing` holds the only writes,
`groupings_upsert` and `dataset_import`, which hand the rest to the ordinary services
(`metrics_import`, `values_import`, `comparisons_recompute`), so a dataset passes exactly the
checks an uploaded file does. This module is the registry: it imports the dataset modules,
which import only `base` and one another, never this package, so there is no import cycle.

Method note for councils: docs/method/datasets.md.
"""

from __future__ import annotations

from benchmarking.datasets import (
    england_attainment,
    england_borrowing,
    england_budget,
    england_capital,
    england_commercial,
    england_lait,
    england_rs,
    england_spending_power,
    england_waste,
    england_wellbeing,
    lgbf,
)
from benchmarking.datasets.base import (
    OGL,
    OGL_NAME,
    REGISTER_FILE,
    SAME_AREA_PREDECESSOR,
    VALUE_COLUMNS,
    Dataset,
    DatasetContent,
    DatasetError,
    Grouping,
    Lifetime,
    existed_in,
    number_text,
    period_span,
    place_in_time,
    read_text_csv,
    reference_rows,
    register_codes,
    register_lifetimes,
    times_100,
    values_frame,
)
from benchmarking.datasets.importing import (
    DatasetReport,
    GroupingError,
    GroupingReport,
    dataset_import,
    groupings_upsert,
)

DATASETS: dict[str, Dataset] = {
    module.NAME: Dataset(
        name=module.NAME,
        title=module.TITLE,
        licence=module.LICENCE,
        files=module.FILES,
        loader=module.load,
        published=getattr(module, "PUBLISHED", ""),
    )
    for module in (
        lgbf,
        england_rs,
        england_lait,
        england_waste,
        england_attainment,
        england_wellbeing,
        england_spending_power,
        england_borrowing,
        england_capital,
        england_commercial,
        england_budget,
    )
}


def register(dataset: Dataset) -> None:
    """Add a dataset of another app's (from its AppConfig.ready): benchmarking never imports
    the tools, so they bring their datasets to this registry."""
    DATASETS[dataset.name] = dataset


__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetContent",
    "DatasetError",
    "DatasetReport",
    "Grouping",
    "GroupingError",
    "GroupingReport",
    "Lifetime",
    "OGL",
    "OGL_NAME",
    "REGISTER_FILE",
    "SAME_AREA_PREDECESSOR",
    "VALUE_COLUMNS",
    "dataset_import",
    "existed_in",
    "groupings_upsert",
    "number_text",
    "period_span",
    "place_in_time",
    "read_text_csv",
    "reference_rows",
    "register",
    "register_codes",
    "register_lifetimes",
    "times_100",
    "values_frame",
]
