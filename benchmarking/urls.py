from django.urls import path

from benchmarking import views

app_name = "benchmarking"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
]
