from django.urls import path

from knowledgehub.views import communities, hub, library, marketplace

app_name = "knowledgehub"
urlpatterns = [
    path("", hub.index, name="index"),
    # Good-practice library
    path("search/", library.search_view, name="search"),
    path("case-studies/new/", library.case_study_new, name="case_study_new"),
    path("case-studies/<int:pk>/", library.case_study, name="case_study"),
    path("case-studies/<int:pk>/edit/", library.case_study_edit, name="case_study_edit"),
    path("case-studies/<int:pk>/submit/", library.case_study_submit, name="case_study_submit"),
    path("case-studies/<int:pk>/decide/", library.case_study_decide, name="case_study_decide"),
    path("case-studies/<int:pk>/files/new/", library.attachment_add, name="attachment_add"),
    path(
        "case-studies/<int:pk>/files/<int:attachment_id>/",
        library.attachment,
        name="attachment",
    ),
    path("moderation/", library.review_queue, name="review_queue"),
    # Communities of practice
    path("communities/", communities.community_list, name="community_list"),
    path("communities/new/", communities.community_new, name="community_new"),
    path("communities/<slug:slug>/", communities.community, name="community"),
    path("communities/<slug:slug>/join/", communities.community_join, name="community_join"),
    path("communities/<slug:slug>/leave/", communities.community_leave, name="community_leave"),
    path(
        "communities/<slug:slug>/members/", communities.community_members, name="community_members"
    ),
    path(
        "communities/<slug:slug>/moderation/",
        communities.community_requests,
        name="community_requests",
    ),
    path(
        "communities/<slug:slug>/requests/<int:membership_id>/",
        communities.request_decide,
        name="request_decide",
    ),
    path(
        "communities/<slug:slug>/reports/<int:report_id>/dismiss/",
        communities.report_dismiss,
        name="report_dismiss",
    ),
    path("communities/<slug:slug>/new/", communities.thread_new, name="thread_new"),
    path("communities/<slug:slug>/threads/<int:thread_id>/", communities.thread, name="thread"),
    path(
        "communities/<slug:slug>/threads/<int:thread_id>/follow/",
        communities.thread_follow,
        name="thread_follow",
    ),
    path(
        "communities/<slug:slug>/threads/<int:thread_id>/lock/",
        communities.thread_lock,
        name="thread_lock",
    ),
    path(
        "communities/<slug:slug>/posts/<int:post_id>/hide/", communities.post_hide, name="post_hide"
    ),
    path(
        "communities/<slug:slug>/posts/<int:post_id>/report/",
        communities.post_report,
        name="post_report",
    ),
    # Marketplace
    path("marketplace/", marketplace.marketplace, name="marketplace"),
    path("marketplace/offers.csv", marketplace.marketplace_csv, name="marketplace_csv"),
    path("marketplace/providers/new/", marketplace.provider_new, name="provider_new"),
    path("marketplace/providers/<slug:slug>/", marketplace.provider, name="provider"),
    path("marketplace/providers/<slug:slug>/offers/new/", marketplace.offer_new, name="offer_new"),
    path("marketplace/offers/<int:pk>/", marketplace.offer, name="offer"),
    path("marketplace/offers/<int:pk>/edit/", marketplace.offer_edit, name="offer_edit"),
    path("marketplace/offers/<int:pk>/review/", marketplace.review_write, name="review_write"),
    path(
        "marketplace/reviews/<int:review_id>/moderate/",
        marketplace.review_moderate,
        name="review_moderate",
    ),
    path(
        "marketplace/reviews/<int:review_id>/verify/",
        marketplace.review_verify,
        name="review_verify",
    ),
    path(
        "marketplace/reviews/<int:review_id>/reply/", marketplace.review_reply, name="review_reply"
    ),
]
