from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("", views.RiskOverviewView.as_view(), name="overview"),
    path("sites/<str:code>/", views.SiteRiskView.as_view(), name="site"),
]
