"""Revoke a user's API token(s): the next call with it gets 401; the reason is audited."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from edc.access.authentication import token_revoke
from edc.access.constants import COMMAND


class Command(BaseCommand):
    help = "Revoke the API token(s) of USERNAME; the reason is audited."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why (audited), e.g. the ticket.")
        parser.add_argument("--by", default="", help="Who revokes (default: the OS user).")

    def handle(self, *args, username, reason, by, **options):
        if not reason.strip():
            raise CommandError("A reason is required (--reason).")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        count = token_revoke(
            user=user, reason=reason, actor=by or getpass.getuser(), channel=COMMAND
        )
        self.stdout.write(f"Revoked {count} API token(s) of {username}.")
