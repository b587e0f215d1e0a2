from django.urls import path

from . import views

app_name = "deviations"
urlpatterns = [
    path("", views.DeviationListView.as_view(), name="list"),
    path("<int:pk>/", views.DeviationDetailView.as_view(), name="detail"),
]
