from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from selfreg import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("selfreg.accounts.urls")),
    path("councils/", views.council_list, name="council_list"),
    path("councils/<str:gss_code>/", views.council_detail, name="council_detail"),
    # Each council's self-assessments, at the address people expect under the council.
    path(
        "councils/<str:gss_code>/self-assessment/",
        RedirectView.as_view(pattern_name="assessment:overview"),
        name="council_self_assessment",
    ),
    path("groupings/", views.grouping_list, name="grouping_list"),
    path("groupings/new/", views.grouping_create, name="grouping_create"),
    path("groupings/<slug:slug>/", views.grouping_detail, name="grouping_detail"),
    path("groupings/<slug:slug>/invite/", views.grouping_invite, name="grouping_invite"),
    path(
        "groupings/<slug:slug>/remove/<str:gss_code>/",
        views.grouping_remove,
        name="grouping_remove",
    ),
    path(
        "groupings/<slug:slug>/answer/<str:gss_code>/",
        views.invitation_answer,
        name="invitation_answer",
    ),
    path("self-assessment/", include("selfreg.assessment.urls")),
    path("benchmarking/", include("benchmarking.urls")),
    path("peer-challenge/", include("peerchallenge.urls")),
    path("early-warning/", include("earlywarning.urls")),
    path("knowledge-hub/", include("knowledgehub.urls")),
    # The hub's addresses as they are often written, `/knowledgehub/search/?q=…`, lead there.
    re_path(
        r"^knowledgehub/(?P<rest>.*)$",
        RedirectView.as_view(url="/knowledge-hub/%(rest)s", query_string=True, permanent=True),
        name="knowledgehub_short",
    ),
    path("api/v1/", include("benchmarking.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
]

handler400 = "selfreg.views.error_400"
handler403 = "selfreg.views.error_403"
handler404 = "selfreg.views.error_404"
handler500 = "selfreg.views.error_500"
