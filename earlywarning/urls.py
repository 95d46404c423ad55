from django.urls import path

from earlywarning import resilience_views, views

app_name = "earlywarning"
urlpatterns = [
    path("", views.index, name="index"),
    path("record/", views.record_start, name="record_start"),
    path("councils/<str:gss_code>/", views.council, name="council"),
    path("councils/<str:gss_code>/record/", views.record, name="record"),
    path("councils/<str:gss_code>/risk/", views.risk, name="risk"),
    path("councils/<str:gss_code>/corporate/", views.corporate, name="corporate"),
    path(
        "councils/<str:gss_code>/financial-resilience/",
        resilience_views.resilience_page,
        name="resilience",
    ),
    path(
        "councils/<str:gss_code>/financial-resilience.csv",
        resilience_views.resilience_csv,
        name="resilience_csv",
    ),
    path("alerts/", views.queue, name="queue"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("alerts/<int:pk>/state/", views.alert_transition_view, name="alert_transition"),
    path("alerts/<int:pk>/assign/", views.alert_assign_view, name="alert_assign"),
    path("alerts/<int:pk>/note/", views.alert_note_view, name="alert_note"),
    path("alerts/<int:pk>/support/", views.alert_support_view, name="alert_support"),
    path("alerts/<int:pk>/invite/", views.alert_invite_view, name="alert_invite"),
    path("alerts/<int:pk>/message/", views.alert_message_view, name="alert_message"),
    path("conversations/", views.conversations, name="conversations"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
]
