"""``manage.py migrate`` as the owner role, then the application role's grants.

With ``DATABASE_MIGRATION_URL`` set (``DATABASES["owner"]``, the same database as the
application role's ``default``), the migrations — and the post_migrate handlers, so the
append-only triggers and content types — run as the owner, which thus owns every table; then the
application role (``DATABASES["default"]["USER"]``) gets exactly its privileges
(edc.operations.dbroles). ``--database`` given explicitly keeps Django's behaviour.
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections

from edc.operations import dbroles

OWNER = "owner"


def _same_database(a: dict, b: dict) -> bool:
    return all(a.get(key) == b.get(key) for key in ("ENGINE", "NAME", "HOST", "PORT"))


class Command(MigrateCommand):
    help = (
        MigrateCommand.help
        + " With DATABASE_MIGRATION_URL set, runs as that owner role and then grants the"
        " application role (DATABASE_URL) its privileges."
    )
    database_given = False

    def run_from_argv(self, argv):
        self.database_given = any(
            arg == "--database" or arg.startswith("--database=") for arg in argv[2:]
        )
        super().run_from_argv(argv)

    def migration_alias(self, database: str) -> str:
        """The owner when it reaches the same database as ``default`` and none was chosen.

        While the test runner creates ``test_<name>``, ``default`` points at the test database
        and the owner (a test mirror, not yet switched) at the real one: migrate ``default``.
        """
        if self.database_given or database != DEFAULT_DB_ALIAS or OWNER not in settings.DATABASES:
            return database
        owner, default = connections[OWNER], connections[database]
        return OWNER if _same_database(owner.settings_dict, default.settings_dict) else database

    def get_check_kwargs(self, options):
        return {
            **super().get_check_kwargs(options),
            "databases": [self.migration_alias(options["database"])],
        }

    def handle(self, *args, **options):
        alias = options["database"] = self.migration_alias(options["database"])
        super().handle(*args, **options)
        if alias != OWNER or options["plan"] or options["check_unapplied"]:
            return
        owner = connections[OWNER]
        role = connections[DEFAULT_DB_ALIAS].settings_dict.get("USER") or ""
        if owner.vendor != "postgresql" or not role or role == owner.settings_dict.get("USER"):
            return
        count = dbroles.grant_app_role(owner, role)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Granted {role} its application privileges ({count} tables).")
        for problem in dbroles.app_role_problems(owner, role):
            self.stderr.write(self.style.WARNING(f"Least privilege: {problem}."))
