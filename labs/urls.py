from django.urls import path

from . import views

app_name = "labs"
urlpatterns = [
    path("", views.LabIndexView.as_view(), name="index"),
    path("patients/<int:pk>/", views.PatientResultsView.as_view(), name="patient_results"),
    path(
        "patients/<int:pk>/enter/<slug:panel>/",
        views.PanelEntryView.as_view(),
        name="panel_enter",
    ),
    path("patients/<int:pk>/trend/", views.TrendView.as_view(), name="trend"),
    path("patients/<int:pk>/draws/", views.DrawsView.as_view(), name="draws"),
    path("patients/<int:pk>/draws/new/", views.DrawEntryView.as_view(), name="draw_enter"),
    path("results/<int:pk>/edit/", views.ResultEditView.as_view(), name="result_edit"),
    path("draws/<int:pk>/edit/", views.DrawEditView.as_view(), name="draw_edit"),
    path("immune/", views.ImmuneCohortView.as_view(), name="immune_cohorts"),
    path("laboratories/", views.LaboratoryListView.as_view(), name="laboratories"),
    path("laboratories/new/", views.LaboratoryCreateView.as_view(), name="laboratory_new"),
    path("ranges/new/", views.RangeCreateView.as_view(), name="range_new"),
    path("ranges/<int:pk>/edit/", views.RangeEditView.as_view(), name="range_edit"),
    path("imports/", views.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("imports/<int:pk>/status/", views.ImportStatusView.as_view(), name="import_status"),
]
