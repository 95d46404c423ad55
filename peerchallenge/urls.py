from django.urls import path

from peerchallenge import views

app_name = "peerchallenge"
urlpatterns = [
    path("", views.index, name="index"),
]
