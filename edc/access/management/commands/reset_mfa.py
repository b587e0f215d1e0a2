"""Reset a user's two-step sign-in (lost or replaced phone), with a reason."""

import getpass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from edc.access.constants import COMMAND
from edc.access.mfa import mfa_reset


class Command(BaseCommand):
    help = (
        "Remove the authenticator app and recovery codes of USERNAME; at the next sign-in "
        "they set up a new app. The reason is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why (audited), e.g. the ticket.")
        parser.add_argument("--by", default="", help="Who resets (default: the OS user).")

    def handle(self, *args, username, reason, by, **options):
        if not reason.strip():
            raise CommandError("A reason is required (--reason).")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            removed = mfa_reset(
                user=user, actor=by or getpass.getuser(), reason=reason, channel=COMMAND
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Reset two-step sign-in of {username} ({removed} device(s) removed); "
            "they set up a new authenticator app at their next sign-in."
        )
