"""Under production settings the demo trial is not installed: this command only refuses.

The real `load_demo` lives in ``edc.demo``, which only the local and test settings install
(listed before this app, so its command wins there). The demo creates users whose password is
printed in the README, so it must never run against a trial's database.
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refuses: the demo trial is not available under these settings."

    def handle(self, *args, **options):
        raise CommandError(
            "The demo trial cannot be loaded under production settings: it creates users with a "
            "published password. Use edc.settings.local (make demo) for a demonstration."
        )
