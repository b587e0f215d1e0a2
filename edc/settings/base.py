"""Settings shared by every environment. Everything machine-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "edc.access.admin_site.EdcAdminConfig",  # django.contrib.admin, read-only, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # trial-wide layer
    "edc.access",
    "edc.audit",
    "edc.monitoring",
    "edc.outbox",
    "edc.operations",
    # trial nouns
    "patients",
    "dosing",
    "assessments",
    "labs",
    # trial-wide readers of every app
    "edc.deviations",
    "edc.exports",
    "edc.dashboard",
    "edc.archive",
    "edc.risk",
    "edc.safety",
    "edc.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database that cannot be reached gives a clear 503 page (or JSON under /api/).
    "edc.operations.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) or the header switch's cookie; a signed-in
    # person's stored choice wins (edc.access.language.UserLanguageMiddleware, after auth).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "edc.access.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "edc.urls"
WSGI_APPLICATION = "edc.wsgi.application"
ASGI_APPLICATION = "edc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "edc.access.context_processors.role",
                "edc.web.protocol_words",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,  # a persistent connection broken by a restart is replaced
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Least privilege (docs/operations.md): the web and the workers connect as DATABASE_URL's role,
# the application role; migrations run as DATABASE_MIGRATION_URL's role, the tables' owner
# (`manage.py migrate` uses it when set, then grants the application role its privileges).
DATABASE_MIGRATION_URL = os.environ.get("DATABASE_MIGRATION_URL", "")
if DATABASE_MIGRATION_URL:
    DATABASES["owner"] = dj_database_url.parse(DATABASE_MIGRATION_URL)
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
# Optional streaming replica: the statisticians' exports and the dashboard read from it
# (edc.operations.routers); without it they read from the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["edc.operations.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The interface in English, French and Dutch (issue 23; edc/locale, edc.access.language).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "edc" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switch on the sign-in page is remembered
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# Dates are typed and printed one way, "06 Dec 2026" (edc/formats, edc/widgets.py).
FORMAT_MODULE_PATH = ["edc.formats"]

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
LAB_IMPORT_ROOT = Path(os.environ.get("LAB_IMPORT_ROOT", MEDIA_ROOT / "lab-imports"))
LAB_IMPORT_ASYNC_ROWS = int(os.environ.get("LAB_IMPORT_ASYNC_ROWS", "2000"))

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["edc.access.api.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "edc.api.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "edc.api.exceptions.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
# --- Authentication, lockout and sessions (issue 18 §3) -----------------------------------------
# django-axes counts failed sign-ins (web login and the API token endpoint) per username: after
# AXES_FAILURE_LIMIT failures the account is refused for EDC_LOCKOUT_COOLOFF_MINUTES (0: until
# `manage.py unlock_user USERNAME --reason ...`). By username only, not by address: a hospital
# site signs in from one NAT address, which must not lock out its colleagues; a guessed account
# is locked wherever the guesses come from. Every event is an audited edc.access AuthEvent.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "edc.access.backends.LockoutBackend",  # first: axes refuses a locked account
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += [
    # Idle timeout and absolute session lifetime (after sessions, auth and messages).
    "edc.access.sessions.SessionTimeoutMiddleware",
    # Last: turns axes' lockout flag into the login page's "account locked" message.
    "axes.middleware.AxesMiddleware",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
EDC_LOCKOUT_COOLOFF_MINUTES = int(os.environ.get("EDC_LOCKOUT_COOLOFF_MINUTES", "30"))
AXES_COOLOFF_TIME = (
    timedelta(minutes=EDC_LOCKOUT_COOLOFF_MINUTES) if EDC_LOCKOUT_COOLOFF_MINUTES else None
)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that a lock without the address can be dodged by changing User-Agent or
# cookies: not so here, failures are summed per username whatever the client sends.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets earlier typos
# Attempts while locked are refused without extending the lock (the message's delay holds).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "edc.access.authentication.lockout_response"
AXES_ENABLE_ADMIN = False  # unlocking goes through `unlock_user`, which records a reason
AXES_VERBOSE = False
# Client address: REMOTE_ADDR, or X-Forwarded-For when the reverse proxy in front is trusted
# (it must overwrite the header a client sends).
EDC_TRUST_X_FORWARDED_FOR = env_bool("EDC_TRUST_X_FORWARDED_FOR")
AXES_CLIENT_IP_CALLABLE = "edc.access.authentication.client_ip"

# Sessions: absolute lifetime from sign-in, and an idle timeout enforced by the server
# (edc.access.sessions) with a warning in the page EDC_IDLE_WARNING_SECONDS before.
SESSION_COOKIE_AGE = int(float(os.environ.get("EDC_SESSION_MAX_HOURS", "12")) * 3600)
EDC_IDLE_TIMEOUT_MINUTES = float(os.environ.get("EDC_IDLE_TIMEOUT_MINUTES", "30"))
EDC_IDLE_WARNING_SECONDS = int(os.environ.get("EDC_IDLE_WARNING_SECONDS", "120"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# API tokens (DRF Token rows) expire API_TOKEN_TTL_HOURS after issue (401, then ask again);
# `manage.py revoke_tokens USERNAME --reason ...` or DELETE /api/v1/auth/token/ revokes them.
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "rest_framework.authentication.SessionAuthentication",
    "edc.access.authentication.ExpiringTokenAuthentication",
]
# The token endpoint is throttled per client address (ScopedRateThrottle, scope "auth-token").
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "auth-token": os.environ.get("API_AUTH_THROTTLE_RATE", "20/minute"),
}
# --- end of authentication block --------------------------------------------------------------

# --- Two-step sign-in (MFA with TOTP; issue 18 §3, 21 CFR 11.300) -----------------------------
# After the password, a user with an authenticator app (a confirmed TOTP device) enters its
# 6-digit code, or one of their 10 single-use recovery codes; a user whose role is in
# EDC_MFA_REQUIRED_ROLES (who signs or manages users) and has no app yet is sent to set one up.
# Until then edc.access.mfa_middleware keeps the session on those pages. Wrong codes count
# towards the django-axes lockout above. The API token endpoint asks for the code too ("otp").
# `manage.py reset_mfa USERNAME --reason ...` removes a user's app and codes (audited).
# Off only in the local demo (edc.settings.local) and the test settings; always on in production.
EDC_MFA_ENABLED = env_bool("EDC_MFA_ENABLED", True)
# Role codes (edc.access.constants.Role): investigators sign, data managers manage users and
# lock data. Other roles may set up two-step sign-in from their account page.
EDC_MFA_REQUIRED_ROLES = env_list("EDC_MFA_REQUIRED_ROLES", "investigator,data_manager")
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
# django-otp's middleware marks request.user as verified; it must follow AuthenticationMiddleware.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
# After the session timeout (an expired session is signed out first), before axes' middleware.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
    "edc.access.mfa_middleware.TwoStepRequiredMiddleware",
)
OTP_TOTP_ISSUER = "Trial EDC NCT00349934"  # the account's name in the authenticator app
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a key or a QR code
# Keep typed codes out of axes' failure records.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp"]
# --- end of two-step sign-in block ------------------------------------------------------------

# --- User management (issue 18 §2) -------------------------------------------------------------
# An account a data manager creates gets a temporary password, replaced at first sign-in
# (edc.access.first_sign_in): the middleware (after the two-step one) keeps such a session on
# the password page, and the validator's password_changed hook forgets the temporary password.
AUTH_PASSWORD_VALIDATORS += [{"NAME": "edc.access.first_sign_in.PasswordReplacedValidator"}]
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
    "edc.access.first_sign_in.FirstSignInMiddleware",
)
# --- end of user management block -------------------------------------------------------------

SPECTACULAR_SETTINGS = {
    "TITLE": "Trial EDC API — NCT00349934",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page are for signed-in trial users (edc.access.roles.LIBRARY_ROUTES).
    "SERVE_PERMISSIONS": ["edc.access.api.RolePermission"],
    # Swagger UI served from our own static files (the server may have no internet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Error responses (400/403/404/409) documented where they occur; times without offset.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "edc.api.schema.document_error_responses",
        "edc.api.schema.document_partial_times",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AdministrationStatusEnum": "dosing.constants.AdministrationStatus",
        "InjectionStatusEnum": "dosing.constants.InjectionStatus",
        "EndReasonEnum": "patients.constants.EndReason",
        "RelationEnum": "assessments.constants.Relation",
        "ResponseEnum": "assessments.constants.ResponseChoice",
        "CalendarEventKindEnum": "edc.protocol.EVENT_KINDS",
        "AssessmentKindEnum": "assessments.constants.AssessmentKind",
        # Soft checks a request confirms (acknowledge_warnings), per kind of record.
        "DoseWarningEnum": "dosing.rules.WARNING_CODES",
        "TumourAssessmentWarningEnum": "assessments.validators.TUMOUR_WARNING_CODES",
    },
}

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in-process.
# Work a save asks for goes through the outbox (edc.outbox): written with the save, delivered by
# the workers; docs/operations.md lists the queues and the worker command of each.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Results computed from trial data (edc.caching: the dashboard, the endpoints page) and the
# API throttles: in Redis when there is one, so every web process shares one copy (a result
# is computed once, not once per gunicorn worker); else in each process's memory (the demo).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "edc",
        }
    }
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# At-least-once: a message is acknowledged after its task ran, and a task whose worker process
# died is requeued (tasks are idempotent, so running twice changes nothing).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers and beat wait for a broker that is away however long it takes (the default gives up
# after 100 attempts and leaves a worker that consumes nothing).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A message taken by a worker that vanished (SIGKILL, lost machine) goes back to its queue after
# the visibility timeout. It must exceed the longest task (export build, lab import: 3600 s),
# else a running task would be handed to a second worker. Tests shorten it by env.
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3900"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Publishing must never hang a web request when the broker is down.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such messages about ten times per timeout (at most every 10 s).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
# Queues, each with its own workers so a nightly sweep or an hour-long export never delays the
# check of a save. The default queue ("celery") keeps edc.ping.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "edc.deviations.check_patient": {"queue": "interactive"},
    "edc.outbox.deliver": {"queue": "interactive"},  # the publisher names the work's queue
    "edc.outbox.relay": {"queue": "interactive"},
    "edc.deviations.sweep_all": {"queue": "sweeps"},
    "edc.deviations.send_site_digests": {"queue": "sweeps"},
    "edc.exports.build_package": {"queue": "exports"},
    "labs.import_batch": {"queue": "exports"},
    "labs.sweep_import_files": {"queue": "sweeps"},
    "edc.audit.verify_chain": {"queue": "sweeps"},
    "edc.risk.refresh": {"queue": "sweeps"},
    "edc.dashboard.refresh_page": {"queue": "sweeps"},  # one at a time: a large trial's
    "assessments.refresh_endpoints_page": {"queue": "sweeps"},  # pages take seconds
    "edc.archive.build_casebooks": {"queue": "exports"},
    "edc.safety.report_adverse_event": {"queue": "interactive"},
    "edc.safety.escalate": {"queue": "sweeps"},
    "edc.notifications.query_raised": {"queue": "interactive"},
    "edc.notifications.query_answered": {"queue": "interactive"},
    "edc.notifications.deviations_major": {"queue": "interactive"},
    "edc.notifications.send_digests": {"queue": "sweeps"},
}
# The outbox relay re-sends pending work every OUTBOX_RELAY_SECONDS, and work the broker may
# have lost (published, not run) after OUTBOX_REPUBLISH_SECONDS.
OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", "20"))
OUTBOX_REPUBLISH_SECONDS = float(os.environ.get("OUTBOX_REPUBLISH_SECONDS", "60"))
# Delivered rows are kept this long (to investigate a run), then the relay forgets them.
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "14"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "edc@localhost")
# SMTP server for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (docs/operations.md).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# Links in e-mails point here (scheme, host and any prefix; no trailing slash).
EDC_BASE_URL = os.environ.get("EDC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# SAE expedited reports (edc.safety): the sponsor's safety desk addresses (comma-separated),
# and after how many hours a report nobody acknowledged is escalated.
SAFETY_DESK_EMAILS = env_list("SAFETY_DESK_EMAILS")
SAE_ESCALATE_AFTER_HOURS = float(os.environ.get("SAE_ESCALATE_AFTER_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# django-simple-history: the reason for change is stored on every historical row.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Content-Security-Policy (issue 18 §3, django-csp 4) ----------------------------------------
# Every response says: scripts, styles, images, fonts and requests from this origin only; no
# inline <script>, <style>, style="" or on*="" (no 'unsafe-inline', no 'unsafe-eval' — ever);
# not framed; forms post here only. Templates load static/ files instead (tests/edc/test_csp.py
# scans them; tests/e2e/test_csp.py opens every role's pages in Chromium). The middleware sits
# right after SecurityMiddleware, so the 503 page (database away) and static files get it too.
# Only the API docs page adds `img-src data:` (Swagger UI's stylesheet icons; edc/urls.py).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# --- end of Content-Security-Policy block -------------------------------------------------------

# --- Central monitoring (edc.risk, issue 25): key risk indicator thresholds and check settings ---
# Each indicator: (watch, act) — a site is amber from the first value, red from the second; for
# indicators where LOW is the risk (AE rates, dose intensity) the site is flagged below them.
RISK_KRI_THRESHOLDS = {
    "entry_lag_days": (3, 7),
    "late_entry_pct": (5, 15),
    "query_rate": (5, 10),
    "query_answer_days": (7, 14),
    "old_open_queries": (1, 5),
    "major_deviations_per_patient": (0.5, 1),
    "minor_deviations_per_patient": (2, 4),
    "ae_per_patient_month": (0.2, 0.1),
    "sae_per_patient_month": (0.01, 0.0),
    "sdv_backlog_pct": (80, 95),
    "forms_in_progress": (3, 10),
    "missed_visits_per_patient": (0.5, 1),
    "rdi": (0.85, 0.7),
    "screen_failure_pct": (40, 60),
}
RISK_LATE_ENTRY_DAYS = int(os.environ.get("RISK_LATE_ENTRY_DAYS", "7"))
RISK_OPEN_QUERY_DAYS = int(os.environ.get("RISK_OPEN_QUERY_DAYS", "14"))
# Statistical checks: family-wise false-alarm rate per check and run (Bonferroni over the sites
# and measures tested), the fewest readings a site needs to be tested, the share of copied values.
RISK_CHECK_ALPHA = float(os.environ.get("RISK_CHECK_ALPHA", "0.01"))
RISK_CHECK_MIN_READINGS = int(os.environ.get("RISK_CHECK_MIN_READINGS", "20"))
RISK_CHECK_MIN_EFFECT = float(os.environ.get("RISK_CHECK_MIN_EFFECT", "10"))  # % points
RISK_IDENTICAL_MIN_PATIENTS = int(os.environ.get("RISK_IDENTICAL_MIN_PATIENTS", "3"))
RISK_TREND_MONTHS = int(os.environ.get("RISK_TREND_MONTHS", "6"))
RISK_HOLIDAYS = env_list("RISK_HOLIDAYS", "")  # extra non-working days, ISO dates
