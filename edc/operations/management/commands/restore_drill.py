"""``manage.py restore_drill --backup DIR [--keep]``: restore into a new database and verify it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from edc.operations.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = (
        "Restore a backup into a new database with a unique name and verify it: checksums, row "
        "counts of every table, audit history, migrations, append-only triggers, files, and that "
        "the application serves from it. Exits non-zero on any mismatch. Drops the database "
        "afterwards unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backup", required=True, type=Path, help="A backup directory.")
        parser.add_argument(
            "--keep", action="store_true", help="Keep the restored database (and files)."
        )
        parser.add_argument("--database", default=None, help="Alias whose server to restore on.")

    def handle(self, *args, backup: Path, keep: bool, database: str | None, **options):
        try:
            report = restore_drill(backup, keep=keep, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        text = report.text(verbose=options["verbosity"] >= 2)
        if not report.ok:
            self.stdout.write(text)
            raise CommandError(
                "Restore drill FAILED: "
                + "; ".join(f"{c.name}: {c.detail}" for c in report.failures)
            )
        self.stdout.write(text)
