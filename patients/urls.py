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
]
