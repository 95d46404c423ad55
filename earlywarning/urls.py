from django.urls import path

from earlywarning import views

app_name = "earlywarning"
urlpatterns = [
    path("", views.index, name="index"),
    path("councils/<str:gss_code>/", views.council, name="council"),
    path("councils/<str:gss_code>/record/", views.record, name="record"),
]
