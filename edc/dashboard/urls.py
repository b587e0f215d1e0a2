from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path("<slug:plot>.svg", views.PlotSvgView.as_view(), name="svg"),
    path("<slug:plot>.png", views.PlotPngView.as_view(), name="png"),
    path("<slug:plot>.csv", views.PlotCsvView.as_view(), name="csv"),
]
