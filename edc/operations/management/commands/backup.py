"""``manage.py backup --out DIR``: database dump, files and manifest (edc.operations.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from edc.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the trial: pg_dump (custom format) of the database, a tar of the uploaded files "
        "and a manifest (checksums, row counts of every table in the dump's snapshot, migrations)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="A new, empty directory.")
        parser.add_argument(
            "--database",
            default=None,
            help="Database alias (default: 'owner' when DATABASE_MIGRATION_URL is set, else "
            "'default').",
        )

    def handle(self, *args, out: Path, database: str | None, **options):
        try:
            manifest = backup(out, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = manifest["tables"]
        history = manifest["history_tables"]
        self.stdout.write(
            f"Backup of {manifest['database']['name']} written to {out}\n"
            f"  {manifest['dump']['file']}: {manifest['dump']['bytes']} bytes, "
            f"sha256 {manifest['dump']['sha256']}\n"
            f"  {manifest['media']['file']}: {len(manifest['media']['members'])} files, "
            f"sha256 {manifest['media']['sha256']}\n"
            f"  {len(tables)} tables, {sum(tables.values())} rows "
            f"({sum(history.values())} audit history rows), "
            f"snapshot {manifest['database']['snapshot']}"
        )
        if options["verbosity"] >= 2:
            for table, count in sorted(tables.items()):
                self.stdout.write(f"    {table}: {count}")
        self.stdout.write(self.style.SUCCESS("BACKUP OK"))
