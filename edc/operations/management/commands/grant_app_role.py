from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from edc.operations import dbroles

OWNER = "owner"


class Command(BaseCommand):
    help = (
        "(Re)apply the application role's privileges (edc/operations/dbroles.py), as the owner "
        "role (DATABASE_MIGRATION_URL) when set. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            help="The application role (default: the user of DATABASE_URL).",
        )

    def handle(self, *args, **options):
        alias = OWNER if OWNER in settings.DATABASES else DEFAULT_DB_ALIAS
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise CommandError("Roles and grants exist only on PostgreSQL.")
        role = options["role"] or connections[DEFAULT_DB_ALIAS].settings_dict.get("USER") or ""
        if not role or role == connection.settings_dict.get("USER"):
            raise CommandError(
                f"The application role ({role or 'none'}) must differ from the role granting "
                "(set DATABASE_MIGRATION_URL to the owner, or pass --role)."
            )
        try:
            count = dbroles.grant_app_role(connection, role)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Granted the application role {role} its privileges ({count} tables).")
        problems = dbroles.app_role_problems(connection, role)
        if problems:
            raise CommandError("Not least privilege: " + "; ".join(problems) + ".")
