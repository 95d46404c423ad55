from django.urls import path

from selfreg.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("councils/<str:gss_code>/surveys/", views.survey_list, name="survey_list"),
    path("councils/<str:gss_code>/surveys/new/", views.survey_new, name="survey_new"),
]
