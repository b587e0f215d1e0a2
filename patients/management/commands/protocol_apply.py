"""Apply a protocol amendment (edc/protocol.py) to every enrolled patient's stored calendar.

    manage.py protocol_apply --reason "Amendment 2: D8 window ±2" --by dm_smith [--dry-run]

Prints one line per change (created, moved, window, label, cancelled, kept with data); every
change is audited with the reason and the data manager named by ``--by``. ``--dry-run`` shows
the same changes and saves nothing. Running it twice changes nothing the second time.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from edc import protocol
from edc.access import roles
from patients.services import protocol_apply


class Command(BaseCommand):
    help = "Recompute stored calendars (windows, planned dates, labels) from edc/protocol.py."

    def add_arguments(self, parser):
        parser.add_argument("--reason", required=True, help="Why (e.g. the amendment's name)")
        parser.add_argument("--by", required=True, help="Username of the data manager")
        parser.add_argument("--dry-run", action="store_true", help="Show, save nothing")

    def handle(self, *args, reason: str, by: str, dry_run: bool, **options):
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None or not roles.role_can(user, roles.AMEND_PROTOCOL):
            raise CommandError(f"{by} is not an active data manager.")
        try:
            changes = protocol_apply(user=user, reason=reason, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for c in changes:
            detail = f" {c.old} → {c.new}" if c.old or c.new else ""
            self.stdout.write(f"{c.subject} {c.code}: {c.what}{detail}")
        patients = len({c.subject for c in changes})
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"Protocol {protocol.PROTOCOL_VERSION}: {verb} {len(changes)} calendar entries "
            f"of {patients} patients."
        )
