"""Settings for the test suite. DATABASE_URL / REDIS_URL select real PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process keeps its own cache (a Redis cache would carry results across tests and
# runs); the production smoke job (.ci/production-smoke) serves its pages with the Redis one.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Web-request tasks run eagerly in tests; the real-worker test switches this off explicitly.
CELERY_TASK_ALWAYS_EAGER = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Serve static files from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Uploaded lab files go to a scratch folder, never into the working tree.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.gettempdir()) / "edc-test-media"
LAB_IMPORT_ROOT = MEDIA_ROOT / "lab-imports"

# The demo trial (users with a published password) exists only outside production.
# Listed first, so its `load_demo` replaces the refusal that production gets (edc.operations).
INSTALLED_APPS = ["edc.demo", *INSTALLED_APPS]

# The token endpoint's throttle is per process (the cache) and would carry across tests;
# tests/edc/test_authentication.py lowers it to prove it.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"auth-token": "10000/minute"}  # noqa: F405

# Two-step sign-in is off for the suite (its tests sign in with force_login);
# tests/edc/test_mfa.py and tests/e2e/test_mfa.py turn it on.
EDC_MFA_ENABLED = False
