from django.urls import path

from peerchallenge import views

app_name = "peerchallenge"
urlpatterns = [
    path("", views.index, name="index"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("challenges/", views.challenge_list, name="challenge_list"),
    path("challenges/new/", views.challenge_request, name="challenge_request"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge_detail"),
    path("challenges/<int:pk>/scope/", views.challenge_scope, name="challenge_scope"),
    path("challenges/<int:pk>/move/<str:state>/", views.challenge_move, name="challenge_move"),
    path("challenges/<int:pk>/pin/", views.challenge_pin, name="challenge_pin"),
    path("challenges/<int:pk>/report/", views.report_edit, name="report_edit"),
    path("challenges/<int:pk>/correction/", views.report_correct, name="report_correct"),
    path("challenges/<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("challenges/<int:pk>/actions/<int:action_id>/", views.action_edit, name="action_edit"),
    path("peers/", views.peer_list, name="peer_list"),
    path("peers/nominate/", views.peer_nominate, name="peer_nominate"),
    path("peers/me/", views.peer_profile, name="peer_profile"),
    path("peers/<int:pk>/", views.peer_detail, name="peer_detail"),
    path("peers/<int:pk>/accredit/", views.peer_accredit, name="peer_accredit"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", views.invitation_answer, name="invitation_answer"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/add/", views.round_add, name="round_add"),
    path("rounds/<int:pk>/remove/<int:challenge_id>/", views.round_remove, name="round_remove"),
    path("rounds/<int:pk>/run/", views.run_start, name="run_start"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("rounds/<int:pk>/import/", views.round_import, name="round_import"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/solution/", views.run_solution, name="run_solution"),
    path("runs/<int:pk>/confirm/", views.run_confirm, name="run_confirm"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.csv", views.ledger_csv, name="ledger_csv"),
]
