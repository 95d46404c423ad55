from django.urls import path

from knowledgehub import views

app_name = "knowledgehub"
urlpatterns = [
    path("", views.index, name="index"),
]
