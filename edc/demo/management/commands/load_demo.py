from django.core.management.base import BaseCommand

from edc.demo.builder import DEMO_PASSWORD, USERS, build_demo


class Command(BaseCommand):
    help = "Build the deterministic demo trial (idempotent) and print a login for each role."

    def handle(self, *args, **options):
        result = build_demo()
        self.stdout.write("Demo trial " + ("created." if result["created"] else "already loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in USERS:
            sites = ", ".join(spec.sites) or "all sites"
            self.stdout.write(f"  {spec.role:<13} {spec.username:<24} ({sites})")
