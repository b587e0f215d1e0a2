"""``manage.py verify_audit [--table T …] [-v 2]``: verify the audit trail's hash chains."""

from django.core.management.base import BaseCommand, CommandError

from edc.audit.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 hash chain of every audit table and compare it with the rows: "
        "names the first broken link of each table and every row changed, deleted, truncated or "
        "inserted without a link. Exits non-zero when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--table", action="append", default=None, help="Only this table.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, table, database, **options):
        report = verify_chain(using=database, tables=table)
        self.stdout.write(report.text(verbose=options["verbosity"] >= 2))
        if not report.ok:
            raise CommandError("Audit chain BROKEN in " + ", ".join(t.table for t in report.broken))
