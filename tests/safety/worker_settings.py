"""Settings of the real worker in test_worker.py: the test settings, sending by SMTP."""

from edc.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
