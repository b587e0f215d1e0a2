import logging
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand

from edc.demo.builder import DEMO_PASSWORD, USERS, build_demo

# Loggers that would print a line per task the demo's saves run eagerly (deviation checks).
QUIET_LOGGERS = ("celery", "celery.app.trace", "celery.worker", "kombu", "edc.outbox")


@contextmanager
def _quiet(names=QUIET_LOGGERS):
    """Warnings and errors only from the task machinery while the demo is built."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Build the deterministic demo trial (idempotent) and print a login for each role."

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()  # each step shows as it ends, also through a pipe

    def handle(self, *args, **options):
        started = time.perf_counter()
        self.stdout.write("Building the demo trial:")
        with _quiet():
            result = build_demo(progress=self._line)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            ("Demo trial created" if result["created"] else "Demo trial already loaded")
            + f" in {elapsed:.1f} s."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in USERS:
            sites = ", ".join(spec.sites) or "all sites"
            self.stdout.write(f"  {spec.role:<13} {spec.username:<24} ({sites})")
