"""Embedded default: SQLite and eager Celery unless DATABASE_URL / REDIS_URL are set."""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env_bool
from .base import SECRET_KEY as _SECRET_KEY

# The demo runs as the product does: DEBUG off, so a missing page or an error shows the
# styled 404/500 pages, never Django's debug pages. DEBUG=1 opts into them for development.
# Static files are served by whitenoise from the source folders (below) whatever DEBUG is.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _SECRET_KEY or "local-development-only-not-a-secret"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo trial (users with a published password) exists only outside production.
# Listed first, so its `load_demo` replaces the refusal that production gets (edc.operations).
INSTALLED_APPS = ["edc.demo", *INSTALLED_APPS]

# Two-step sign-in is off in the demo, so its printed logins sign in with the password alone
# (the login page says so). EDC_MFA_ENABLED=1 turns it on here too.
EDC_MFA_ENABLED = env_bool("EDC_MFA_ENABLED", False)

# The demo's e-mails (SAE reports with their PDF, query and deviation notifications) are
# written as .eml files under media/mail/ rather than printed: open them with a mail reader.
# EMAIL_BACKEND (e.g. the SMTP backend) overrides it.
if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = MEDIA_ROOT / "mail"  # noqa: F405
