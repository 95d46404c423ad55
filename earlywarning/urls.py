from django.urls import path

from earlywarning import views

app_name = "earlywarning"
urlpatterns = [
    path("", views.index, name="index"),
]
