"""Restore drill helper, run as ``python -m edc.operations.serving`` against the restored database.

Picks an existing user who can see a patient (else any active user with a trial role), opens a
real session for them in the database (what ``Client.force_login`` does: a ``django_session``
row and its cookie) and prints, as one JSON line, the cookie and the pages the drill must then
get from a real server process with the texts each must show.
"""

import json
import sys


def session_for_drill() -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    from edc.access.selectors import user_role
    from patients.selectors import patients_visible_to

    users = get_user_model().objects.filter(is_active=True).order_by("id")
    chosen = patient = None
    for user in users.select_related("staff_profile"):
        if getattr(user, "staff_profile", None) is None or user_role(user) is None:
            continue
        visible = patients_visible_to(user).order_by("id").first()
        if visible is not None:
            chosen, patient = user, visible
            break
        chosen = chosen or user
    chosen = chosen or users.first()
    if chosen is None:
        raise SystemExit("The restored database has no active user to log in as.")
    client = Client()
    client.force_login(chosen)
    pages = [
        {"path": reverse("home"), "expect": [escape(chosen.get_full_name() or chosen.username)]}
    ]
    if patient is not None:
        pages.append(
            {
                "path": reverse("patients:detail", args=[patient.pk]),
                "expect": [escape(patient.screening_number)],
            }
        )
    return {
        "username": chosen.get_username(),
        "login_url": reverse("login"),
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookie_value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "pages": pages,
    }


def main() -> None:
    import django

    django.setup()
    sys.stdout.write(json.dumps(session_for_drill()) + "\n")


if __name__ == "__main__":
    main()
