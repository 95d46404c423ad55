from django.urls import path

from selfreg.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
]
