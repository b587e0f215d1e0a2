from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from patients import urls as patients_urls

from . import views
from .access import views as access_views
from .access.language import LanguageSwitchView
from .api.router import router
from .monitoring.views import PatientCasebookView

casebook_url = path("<int:pk>/", PatientCasebookView.as_view(), name="detail")

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session/", access_views.SessionStatusView.as_view(), name="session-status"),
    path("accounts/keep-alive/", access_views.KeepAliveView.as_view(), name="keep-alive"),
    # Own account: password change, two-step sign-in (edc.access.mfa_views).
    path("accounts/language/", LanguageSwitchView.as_view(), name="language-switch"),
    path("accounts/", include("edc.access.account_urls")),
    path("access/", include("edc.access.urls")),
    # The casebook page (patients:detail) is the monitoring floor's: it shows every app's forms.
    path(
        "patients/",
        include(([*patients_urls.urlpatterns, casebook_url], patients_urls.app_name)),
    ),
    path("dosing/", include("dosing.urls")),
    path("assessments/", include("assessments.urls")),
    path("labs/", include("labs.urls")),
    path("monitoring/", include("edc.monitoring.urls")),
    path("deviations/", include("edc.deviations.urls")),
    path("exports/", include("edc.exports.urls")),
    path("dashboard/", include("edc.dashboard.urls")),
    path("safety/", include("edc.safety.urls")),
    path("notifications/", include("edc.notifications.urls")),
    path("archive/", include("edc.archive.urls")),
    path("risk/", include("edc.risk.urls")),
    path("help/", include("edc.help.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split view: Swagger UI's set-up script is a separate URL, not inline (CSP, issue 18 §3);
    # its stylesheet's icons are data: images, allowed on this page only.
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
]
