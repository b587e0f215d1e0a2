from django.core.management.base import BaseCommand

from edc.access.services import roles_sync


class Command(BaseCommand):
    help = "Synchronise the role groups with the role → permission table (edc/access/roles.py)."

    def handle(self, *args, **options):
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
