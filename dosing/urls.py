from django.urls import path

from . import views

app_name = "dosing"
urlpatterns = [
    path("patients/<int:pk>/", views.PatientExposureView.as_view(), name="exposure"),
    path(
        "patients/<int:pk>/paclitaxel/<str:code>/",
        views.PaclitaxelView.as_view(),
        name="paclitaxel",
    ),
    path(
        "patients/<int:pk>/paclitaxel/<str:code>/preview/",
        views.PaclitaxelPreviewView.as_view(),
        name="paclitaxel_preview",
    ),
    path("patients/<int:pk>/imp321/<str:code>/", views.Imp321View.as_view(), name="imp321"),
]
