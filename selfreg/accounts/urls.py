from django.contrib.auth import views as auth_views
from django.urls import path

from selfreg.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("sign-up/", views.sign_up, name="signup"),
    path("sign-up/check-your-email/", views.sign_up_sent, name="signup_sent"),
    path("sign-up/confirm/<str:uidb64>/<str:token>/", views.sign_up_verify, name="signup_verify"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/check-your-email/",
        auth_views.PasswordResetDoneView.as_view(template_name="account/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="account/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/code/", views.two_factor_verify, name="two_factor_verify"),
    path("roles/request/", views.role_request_new, name="role_request_new"),
    path("roles/requests/", views.role_request_list, name="role_request_list"),
    path("roles/requests/<int:pk>/", views.role_request_detail, name="role_request_detail"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
