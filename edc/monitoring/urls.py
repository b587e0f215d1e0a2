from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit/", views.AuditTrailView.as_view(), name="audit"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit_export"),
    # Any record of any form, by content type id and object id (generic links from CRF pages).
    path("records/<int:ct>/<int:pk>/", views.RecordView.as_view(), name="record"),
    path("records/<int:ct>/<int:pk>/query/", views.QueryRaiseView.as_view(), name="query_raise"),
    path("records/<int:ct>/<int:pk>/verify/", views.SdvMarkView.as_view(), name="sdv_mark"),
    path("records/<int:ct>/<int:pk>/lock/", views.RecordLockView.as_view(), name="record_lock"),
    path("queries/", views.QueryListView.as_view(), name="queries"),
    path("queries/<int:pk>/", views.QueryDetailView.as_view(), name="query"),
    path("queries/<int:pk>/answer/", views.QueryAnswerView.as_view(), name="query_answer"),
    path("queries/<int:pk>/close/", views.QueryCloseView.as_view(), name="query_close"),
    path("queries/<int:pk>/reopen/", views.QueryReopenView.as_view(), name="query_reopen"),
    path("sdv/", views.SdvProgressView.as_view(), name="sdv"),
    path("patients/<int:pk>/", views.PatientMonitoringView.as_view(), name="patient"),
    path("patients/<int:pk>/signatures/", views.SignatureView.as_view(), name="signatures"),
    path("signatures/<int:pk>/", views.SignatureDetailView.as_view(), name="signature"),
    path("locks/", views.LockListView.as_view(), name="locks"),
    path("locks/<int:pk>/unlock/", views.UnlockView.as_view(), name="unlock"),
]
