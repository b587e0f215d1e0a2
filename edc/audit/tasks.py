"""Nightly verification of the audit trail's hash chains (edc.audit.chain)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from .chain import verify_chain

logger = logging.getLogger(__name__)

TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 1740,
    "time_limit": 1800,
}


def data_manager_emails() -> list[str]:
    from edc.access.constants import Role
    from edc.access.models import StaffProfile

    return sorted(
        set(
            StaffProfile.objects.filter(role=Role.DATA_MANAGER, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def audit_chain_check() -> dict:
    """Verify every chain; e-mail the data managers when one is broken. Returns a summary."""
    report = verify_chain()
    text = report.text()
    summary = {"ok": report.ok, "head": report.head.digest, "broken": [], "notified": []}
    if report.ok:
        logger.info("Audit chain OK, head %s", report.head.digest)
        return summary
    summary["broken"] = [t.table for t in report.broken]
    logger.error("Audit chain BROKEN: %s\n%s", ", ".join(summary["broken"]), text)
    to = data_manager_emails()
    if to:
        EmailMessage(
            subject=f"[EDC] Audit trail tampering detected in {len(summary['broken'])} table(s)",
            body="The nightly verification of the audit trail's hash chain failed "
            "(manage.py verify_audit):\n\n" + text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
        ).send()
        summary["notified"] = to
    return summary


@shared_task(name="edc.audit.verify_chain", **TASK_OPTIONS)
def verify_chain_task() -> dict:
    return audit_chain_check()
