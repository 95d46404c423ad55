"""Submitting values: to be spliced into `benchmarking/urls.py` (namespace `benchmarking`).

`upload` keeps the name of the single-step page it replaces.
"""

from django.urls import path

from benchmarking import upload_views

urlpatterns = [
    path("upload/", upload_views.upload_start, name="upload"),
    path("upload/history/", upload_views.upload_history, name="upload_history"),
    path("upload/<int:upload_id>/", upload_views.upload_detail, name="upload_detail"),
    path("upload/<int:upload_id>/confirm/", upload_views.upload_confirm, name="upload_confirm"),
    path("upload/<int:upload_id>/progress/", upload_views.upload_progress, name="upload_progress"),
    path("values/new/", upload_views.values_entry, name="values_entry"),
]
