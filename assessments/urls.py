from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("endpoints/", views.EndpointsView.as_view(), name="endpoints"),
    path("tumour/", views.TumourAssessmentListView.as_view(), name="tumour_list"),
    path(
        "tumour/<int:assessment_pk>/edit/",
        views.tumour_assessment_edit_view,
        name="tumour_edit",
    ),
    path("adverse-events/", views.AdverseEventListView.as_view(), name="ae_list"),
    path("adverse-events/<int:ae_pk>/edit/", views.AdverseEventEditView.as_view(), name="ae_edit"),
    path("vitals/<int:vitals_pk>/edit/", views.VitalSignsEditView.as_view(), name="vitals_edit"),
    path("patients/<int:pk>/", views.PatientAssessmentsView.as_view(), name="patient"),
    path(
        "patients/<int:pk>/tumour/baseline/",
        views.BaselineView.as_view(),
        name="baseline_new",
    ),
    path(
        "patients/<int:pk>/tumour/follow-up/",
        views.FollowupView.as_view(),
        name="followup_new",
    ),
    path(
        "patients/<int:pk>/adverse-events/new/",
        views.AdverseEventFormView.as_view(),
        name="ae_new",
    ),
    path("patients/<int:pk>/vitals/new/", views.VitalSignsFormView.as_view(), name="vitals_new"),
    path("conmeds/", views.ConcomitantMedicationListView.as_view(), name="conmed_list"),
    path(
        "patients/<int:pk>/conmeds/new/",
        views.ConcomitantMedicationFormView.as_view(),
        name="conmed_new",
    ),
    path(
        "conmeds/<int:conmed_pk>/edit/",
        views.ConcomitantMedicationEditView.as_view(),
        name="conmed_edit",
    ),
]
