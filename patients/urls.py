from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.PatientListView.as_view(), name="list"),
    path("new/", views.PatientScreenView.as_view(), name="screen"),
    path("cohorts/", views.CohortView.as_view(), name="cohorts"),
    # "<int:pk>/" (detail), the casebook: edc.monitoring.views.PatientCasebookView (edc/urls.py).
    path("<int:pk>/edit/", views.PatientEditView.as_view(), name="edit"),
    path("<int:pk>/consent/", views.ConsentView.as_view(), name="consent"),
    path("<int:pk>/eligibility/", views.EligibilityView.as_view(), name="eligibility"),
    path("<int:pk>/enrol/", views.EnrolView.as_view(), name="enrol"),
    path("<int:pk>/screen-fail/", views.ScreenFailView.as_view(), name="screen_fail"),
    path("<int:pk>/end-treatment/", views.EndTreatmentView.as_view(), name="end_treatment"),
    path("<int:pk>/end-study/", views.EndStudyView.as_view(), name="end_study"),
    path("<int:pk>/history/", views.MedicalHistoryView.as_view(), name="history"),
    path("<int:pk>/history/new/", views.MedicalHistoryFormView.as_view(), name="history_new"),
    path(
        "history/<int:history_pk>/edit/",
        views.MedicalHistoryEditView.as_view(),
        name="history_edit",
    ),
    path("<int:pk>/prior-therapy/new/", views.PriorTherapyFormView.as_view(), name="therapy_new"),
    path(
        "prior-therapy/<int:therapy_pk>/edit/",
        views.PriorTherapyEditView.as_view(),
        name="therapy_edit",
    ),
]
