"""The open data API's endpoints, included by `selfreg.urls` at `api/v1/`."""

from django.urls import path

from benchmarking import api, views

urlpatterns = [
    path("councils/", api.CouncilList.as_view(), name="api_council_list"),
    path("councils/<str:gss_code>/", api.CouncilDetail.as_view(), name="api_council_detail"),
    path(
        "councils/<str:gss_code>/similar/",
        api.SimilarCouncilList.as_view(),
        name="api_council_similar",
    ),
    path("metrics/", api.MetricList.as_view(), name="api_metric_list"),
    path("metrics/<str:code>/", api.MetricDetail.as_view(), name="api_metric_detail"),
    path("values/", api.ValueList.as_view(), name="api_value_list"),
    path("comparisons/", api.ComparisonDetail.as_view(), name="api_comparison"),
    path("docs/", views.api_docs, name="api_docs"),
]
