from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("auth-events/", views.AuthEventListView.as_view(), name="auth_events"),
]
