from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("", views.ArchiveIndexView.as_view(), name="index"),
    path("acrf.pdf", views.AcrfPdfView.as_view(), name="acrf"),
    path("patients/<int:pk>/casebook/", views.CasebookPrintView.as_view(), name="casebook"),
    path("patients/<int:pk>/casebook.pdf", views.CasebookPdfView.as_view(), name="casebook-pdf"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.JobStatusView.as_view(), name="job-status"),
    path("jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job-download"),
]
