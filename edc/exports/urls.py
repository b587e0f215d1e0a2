from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.ExportIndexView.as_view(), name="index"),
    path("odm.xml", views.OdmDownloadView.as_view(), name="odm"),
    path("define.csv", views.DictionaryView.as_view(), name="dictionary"),
    path("define.xml", views.DefineView.as_view(), name="define"),
    path("define.html", views.DefineView.as_view(html=True), name="define-html"),
    path("codelists.csv", views.DictionaryView.as_view(codelists=True), name="codelists"),
    path("jobs/", views.JobCreateView.as_view(), name="job-create"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.JobStatusView.as_view(), name="job-status"),
    path("jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job-download"),
    path("log/", views.ExportLogView.as_view(), name="log"),
    path("<str:code>.<str:fmt>", views.DomainDownloadView.as_view(), name="domain"),
]
