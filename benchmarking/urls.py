from django.urls import path

from benchmarking import catalogue_views, upload_views, views

app_name = "benchmarking"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", upload_views.upload_start, name="upload"),
    path("upload/template.csv", upload_views.upload_template, name="upload_template"),
    path("upload/measure-codes.csv", upload_views.measure_codes, name="measure_codes"),
    path("upload/history/", upload_views.upload_history, name="upload_history"),
    path("upload/<int:upload_id>/", upload_views.upload_detail, name="upload_detail"),
    path("upload/<int:upload_id>/confirm/", upload_views.upload_confirm, name="upload_confirm"),
    path("upload/<int:upload_id>/progress/", upload_views.upload_progress, name="upload_progress"),
    path("values/new/", upload_views.values_entry, name="values_entry"),
    path("councils/<str:gss_code>/", views.council_dashboard, name="council"),
    path("councils/<str:gss_code>/sharing/", views.sharing, name="sharing"),
    path("measures/", catalogue_views.measure_list, name="measures"),
    path("data-updates/", catalogue_views.data_updates, name="data_updates"),
    path("councils/<str:gss_code>/similar/", views.similar_councils, name="similar"),
    path("metrics/<str:code>/", views.metric_detail, name="metric"),
    path("compare/", views.compare, name="compare"),
    path("compare/save/", views.compare_save, name="compare_save"),
    path("compare/<slug:slug>/", views.compare, name="compare_saved"),
]
