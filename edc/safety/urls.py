from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("", views.SafetyListView.as_view(), name="list"),
    path("reports/<int:pk>/", views.SaeReportView.as_view(), name="report"),
    path("reports/<int:pk>/pdf/", views.SaeReportPdfView.as_view(), name="report_pdf"),
    path("adverse-events/<int:pk>/", views.AdverseEventReportsView.as_view(), name="adverse_event"),
]
