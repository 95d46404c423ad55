from django.urls import path

from benchmarking import views

app_name = "benchmarking"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("councils/<str:gss_code>/", views.council_dashboard, name="council"),
    path("councils/<str:gss_code>/sharing/", views.sharing, name="sharing"),
    path("metrics/<str:code>/", views.metric_detail, name="metric"),
    path("compare/", views.compare, name="compare"),
    path("compare/save/", views.compare_save, name="compare_save"),
    path("compare/<slug:slug>/", views.compare, name="compare_saved"),
]
