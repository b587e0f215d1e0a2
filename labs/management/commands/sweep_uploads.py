"""``manage.py sweep_uploads``: remove uploaded lab files that no import batch names.

A failed upload removes its file at once (``edc.operations.storage.delete_on_error``); this
sweep catches what no exception handler sees: a process killed between storing the file and
committing its batch, or a surrounding transaction rolled back after the upload service
returned. Beat runs the same sweep daily (``labs.sweep_import_files``). It only touches files
older than ``--older-than-hours`` (default 24), so an upload in progress is never removed.
"""

import datetime as dt

from django.core.management.base import BaseCommand

from labs.storage import import_files_sweep, import_root


class Command(BaseCommand):
    help = "Remove lab import files that no import batch names (older than --older-than-hours)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=24.0)
        parser.add_argument("--dry-run", action="store_true", help="List, do not remove.")

    def handle(self, *args, older_than_hours: float, dry_run: bool, **options):
        root = import_root()
        removed = import_files_sweep(
            older_than=dt.timedelta(hours=older_than_hours), dry_run=dry_run
        )
        verb = "Would remove" if dry_run else "Removed"
        for name in removed:
            self.stdout.write(f"{verb} {root / name}")
        self.stdout.write(f"{verb} {len(removed)} orphaned file(s) under {root}.")
