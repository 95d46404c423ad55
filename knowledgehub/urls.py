from django.urls import path

from knowledgehub import views

app_name = "knowledgehub"
urlpatterns = [
    path("", views.index, name="index"),
    # Good-practice library
    path("search/", views.search_view, name="search"),
    path("case-studies/new/", views.case_study_new, name="case_study_new"),
    path("case-studies/<int:pk>/", views.case_study, name="case_study"),
    path("case-studies/<int:pk>/edit/", views.case_study_edit, name="case_study_edit"),
    path("case-studies/<int:pk>/submit/", views.case_study_submit, name="case_study_submit"),
    path("case-studies/<int:pk>/decide/", views.case_study_decide, name="case_study_decide"),
    path("case-studies/<int:pk>/files/new/", views.attachment_add, name="attachment_add"),
    path(
        "case-studies/<int:pk>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("moderation/", views.review_queue, name="review_queue"),
    # Communities of practice
    path("communities/", views.community_list, name="community_list"),
    path("communities/new/", views.community_new, name="community_new"),
    path("communities/<slug:slug>/", views.community, name="community"),
    path("communities/<slug:slug>/join/", views.community_join, name="community_join"),
    path("communities/<slug:slug>/leave/", views.community_leave, name="community_leave"),
    path("communities/<slug:slug>/members/", views.community_members, name="community_members"),
    path(
        "communities/<slug:slug>/moderation/",
        views.community_requests,
        name="community_requests",
    ),
    path(
        "communities/<slug:slug>/requests/<int:membership_id>/",
        views.request_decide,
        name="request_decide",
    ),
    path(
        "communities/<slug:slug>/reports/<int:report_id>/dismiss/",
        views.report_dismiss,
        name="report_dismiss",
    ),
    path("communities/<slug:slug>/new/", views.thread_new, name="thread_new"),
    path("communities/<slug:slug>/threads/<int:thread_id>/", views.thread, name="thread"),
    path(
        "communities/<slug:slug>/threads/<int:thread_id>/follow/",
        views.thread_follow,
        name="thread_follow",
    ),
    path(
        "communities/<slug:slug>/threads/<int:thread_id>/lock/",
        views.thread_lock,
        name="thread_lock",
    ),
    path("communities/<slug:slug>/posts/<int:post_id>/hide/", views.post_hide, name="post_hide"),
    path(
        "communities/<slug:slug>/posts/<int:post_id>/report/",
        views.post_report,
        name="post_report",
    ),
    # Marketplace
    path("marketplace/", views.marketplace, name="marketplace"),
    path("marketplace/offers.csv", views.marketplace_csv, name="marketplace_csv"),
    path("marketplace/providers/new/", views.provider_new, name="provider_new"),
    path("marketplace/providers/<slug:slug>/", views.provider, name="provider"),
    path("marketplace/providers/<slug:slug>/offers/new/", views.offer_new, name="offer_new"),
    path("marketplace/offers/<int:pk>/", views.offer, name="offer"),
    path("marketplace/offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("marketplace/offers/<int:pk>/review/", views.review_write, name="review_write"),
    path(
        "marketplace/reviews/<int:review_id>/moderate/",
        views.review_moderate,
        name="review_moderate",
    ),
    path("marketplace/reviews/<int:review_id>/verify/", views.review_verify, name="review_verify"),
    path("marketplace/reviews/<int:review_id>/reply/", views.review_reply, name="review_reply"),
]
