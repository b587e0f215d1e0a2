from django.urls import path

from . import user_views, views

app_name = "access"

urlpatterns = [
    path("auth-events/", views.AuthEventListView.as_view(), name="auth_events"),
    # User management (data managers) and the signed-in user's training (edc.access.user_views).
    path("users/", user_views.UserListView.as_view(), name="users"),
    path("users/new/", user_views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", user_views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/change/", user_views.UserChangeView.as_view(), name="user_change"),
    path(
        "users/<int:pk>/deactivate/",
        user_views.UserDeactivateView.as_view(),
        name="user_deactivate",
    ),
    path(
        "users/<int:pk>/reactivate/",
        user_views.UserReactivateView.as_view(),
        name="user_reactivate",
    ),
    path(
        "users/<int:pk>/two-step-reset/",
        user_views.UserMfaResetView.as_view(),
        name="user_mfa_reset",
    ),
    path("training/", user_views.MyTrainingView.as_view(), name="my_training"),
]
