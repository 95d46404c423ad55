from django.urls import path

from selfreg.assessment import views

app_name = "assessment"
ONE = "councils/<str:gss_code>/<str:year>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("councils/<str:gss_code>/surveys/", views.survey_list, name="survey_list"),
    path("councils/<str:gss_code>/surveys/new/", views.survey_new, name="survey_new"),
    path("councils/<str:gss_code>/", views.overview, name="overview"),
    path("councils/<str:gss_code>/new/", views.assessment_new, name="assessment_new"),
    path(ONE, views.detail, name="detail"),
    path(ONE + "themes/<slug:code>/", views.theme, name="theme"),
    path(ONE + "move/<slug:state>/", views.transition, name="transition"),
    path(ONE + "consultation/", views.consultation, name="consultation"),
    path(ONE + "consultation/respond/", views.respond, name="respond"),
    path(ONE + "consultation/replies/", views.consultation_replies, name="consultation_replies"),
    path(ONE + "moderation/", views.moderation, name="moderation"),
    path(ONE + "scrutiny/", views.scrutiny, name="scrutiny"),
    path(ONE + "scrutiny/<int:comment_id>/answer/", views.scrutiny_answer, name="scrutiny_answer"),
]
