"""What the one write path asks of the floor above it, without importing it.

``edc.monitoring`` builds on this package (it records its own writes through it) and owns two
duties of every audited write: refusing a write of locked data (before) and clearing the SDV
marks and signatures a change makes untrue (after). It registers them here once, in
``MonitoringConfig.ready()``; ``edc.audit.services`` calls them inside the write's transaction.

Fail-closed: an audited write with no lock check registered raises ``ImproperlyConfigured`` —
a missing registration can never silently unlock data. ``tests/edc/test_audit.py`` checks what
is registered.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_BEFORE_WRITE: list[Callable] = []
_AFTER_WRITE: list[Callable] = []


def register(*, before_write: Callable, after_write: Callable) -> None:
    """Idempotent (apps may be readied more than once in tests)."""
    if before_write not in _BEFORE_WRITE:
        _BEFORE_WRITE.append(before_write)
    if after_write not in _AFTER_WRITE:
        _AFTER_WRITE.append(after_write)


def registered() -> tuple[tuple[Callable, ...], tuple[Callable, ...]]:
    return tuple(_BEFORE_WRITE), tuple(_AFTER_WRITE)


def before_write(instance) -> None:
    if not _BEFORE_WRITE:
        raise ImproperlyConfigured(
            "No lock check is registered for the audited write path (is edc.monitoring "
            "in INSTALLED_APPS?)."
        )
    for check in _BEFORE_WRITE:
        check(instance)


def after_write(*, instance, entry) -> None:
    for react in _AFTER_WRITE:
        react(instance=instance, entry=entry)
