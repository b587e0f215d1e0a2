from django.core.management.base import BaseCommand

from edc.deviations.services import deviations_sweep


class Command(BaseCommand):
    help = "Run every deviation rule over all patients now (what the nightly task does)."

    def handle(self, *args, **options):
        result = deviations_sweep()
        self.stdout.write(
            f"created {result.created}, withdrawn {result.withdrawn}, re-opened {result.reopened}"
        )
        for rule, count in result.by_rule.items():
            self.stdout.write(f"  {rule}: {count} findings")
