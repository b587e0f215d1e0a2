"""Unlock an account locked after failed sign-ins (web or API token), with a reason."""

import getpass

from axes.utils import reset
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from edc.access.authentication import auth_event_record
from edc.access.constants import COMMAND, AuthEventKind


class Command(BaseCommand):
    help = "Reset the failed sign-ins of USERNAME (unlocks it); the reason is audited."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why (audited), e.g. the ticket.")
        parser.add_argument("--by", default="", help="Who unlocks (default: the OS user).")

    def handle(self, *args, username, reason, by, **options):
        if not reason.strip():
            raise CommandError("A reason is required (--reason).")
        user = get_user_model().objects.filter(username=username).first()
        removed = reset(username=username)
        if user is None and not removed:
            raise CommandError(f"No user and no failed sign-ins for {username!r}.")
        auth_event_record(
            kind=AuthEventKind.UNLOCKED,
            user=user,
            username=username,
            channel=COMMAND,
            actor=by or getpass.getuser(),
            reason=reason,
        )
        self.stdout.write(f"Unlocked {username} ({removed} failed-attempt record(s) cleared).")
