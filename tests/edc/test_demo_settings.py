"""The demo (local settings) never shows Django's debug pages (issue 19 §3)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter under edc.settings.local (the demo's `manage.py runserver`),
# against an in-memory SQLite database left empty (neither page reads the database): a 404, and
# a static file through the same stack.
SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.conf import settings
    from django.test import Client
    client = Client(HTTP_HOST="127.0.0.1")
    missing = client.get("/no-such-page/")
    static = client.get("/static/css/edc.css")
    print(settings.DEBUG)
    print(missing.status_code, "Page not found" in missing.content.decode(),
          "Using the URLconf" in missing.content.decode())
    print(static.status_code, b"".join(static.streaming_content)[:0] == b"")
    """
)


def _run(**env) -> list[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL")
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "edc.settings.local",
        "DATABASE_URL": "sqlite://:memory:",
    }
    environment |= env
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()


def test_the_demo_shows_the_styled_404_page_and_still_serves_static_files():
    debug, missing, static = _run()
    assert debug == "False"
    assert missing == "404 True False"  # the product's page, not Django's URLconf listing
    assert static.startswith("200")


def test_development_can_opt_into_debug_pages():
    debug, missing, _static = _run(DEBUG="1")
    assert debug == "True"
    assert missing.startswith("404") and missing.endswith("True")  # Django's debug 404
