"""The signed-in account's pages under /accounts/ (edc/urls.py): account, password, two-step."""

from django.urls import path

from . import mfa_views

urlpatterns = [
    path("", mfa_views.AccountView.as_view(), name="account"),
    path("password/", mfa_views.PasswordChangeView.as_view(), name="password-change"),
    path("two-step/", mfa_views.VerifyView.as_view(), name="mfa-verify"),
    path("two-step/setup/", mfa_views.SetupView.as_view(), name="mfa-setup"),
    path("two-step/setup/qr.svg", mfa_views.QRCodeView.as_view(), name="mfa-qr"),
    path(
        "two-step/recovery-codes/",
        mfa_views.RecoveryCodesView.as_view(),
        name="mfa-recovery-codes",
    ),
]
