"""Writes of central monitoring: the indicator snapshot, and a monitor's note and visit.

``risk_refresh`` is idempotent: one run per day (``as_of``); a second run the same day replaces
that day's rows, so the nightly task and the page's button can both run any number of times.
Notes and visits go through the audited write path (``audited_create``: who, when, what).
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from edc.access import roles
from edc.access.models import Site
from edc.audit.services import audited_create

from . import kri
from .models import LEVEL_RANK, Level, MonitoringVisit, RiskRun, SiteNote, SiteRisk
from .readings import Readings, run_checks

REFRESH_LOCK_ID = 0x215C_0025  # pg_advisory_xact_lock key: one refresh at a time

NOTE_REQUIRED = _("Write the note.")
PURPOSE_REQUIRED = _("Say what the visit is for.")
DATE_REQUIRED = _("Give the visit's planned date.")
DATE_PAST = _("A visit is scheduled for today or later.")
KIND_REQUIRED = _("Choose on-site or remote.")


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_ID])


@transaction.atomic
def risk_refresh(*, as_of: dt.date | None = None, user=None) -> RiskRun:
    """Compute every indicator and check over the trial and store them as the day's run."""
    if user is not None:
        roles.require(user, roles.ACT_ON_SITE_RISK)
    _lock()
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    facts = kri.gather(as_of=as_of)
    sites = {s.pk: s for s in Site.objects.all()}
    codes = {pk: s.code for pk, s in sites.items()}
    all_entries = [e for p in facts.patients.values() for e in p.entries]
    findings = run_checks(Readings(entries=all_entries, site_codes=codes))
    by_site = facts.by_site()
    months = kri.recent_months(as_of, _trend_months())
    run, _created = RiskRun.objects.update_or_create(
        as_of=as_of,
        defaults={
            "computed_at": timezone.now(),
            "requested_by": user,
            "patients": len(facts.patients),
        },
    )
    run.sites.all().delete()
    rows = []
    for pk, site in sites.items():
        patients = by_site.get(pk, [])
        values = kri.values_for(patients)
        levels = {code: kri.level_of(code, value) for code, value in values.items()}
        own = [f.as_dict() for f in findings if f.site == site.code]
        worst = max((LEVEL_RANK[Level(v)] for v in levels.values()), default=0)
        if own:
            worst = max(worst, LEVEL_RANK[Level.ACT])
        rows.append(
            SiteRisk(
                run=run,
                site=site,
                values=values,
                levels=levels,
                findings=own,
                trend=kri.trend_for(patients, months),
                level={0: Level.OK, 1: Level.WATCH, 2: Level.ACT}[worst],
            )
        )
    SiteRisk.objects.bulk_create(rows)
    run.seconds = round(time.perf_counter() - started, 3)
    run.save(update_fields=["seconds"])
    return run


def _trend_months() -> int:
    from django.conf import settings

    return settings.RISK_TREND_MONTHS


@transaction.atomic
def site_note_add(*, user, site: Site, text: str, indicator: str = "") -> SiteNote:
    """A monitor's note on a site (optionally about one indicator), audited."""
    roles.require(user, roles.ACT_ON_SITE_RISK, site)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": NOTE_REQUIRED})
    if indicator and indicator not in kri.INDICATORS_BY_CODE:
        indicator = ""
    with translation.override("en"):  # stored in English; the page translates it
        label = str(kri.INDICATORS_BY_CODE[indicator].label) if indicator else ""
    return audited_create(
        SiteNote(site=site, indicator=label, text=text),
        user=user,
        reason=f"Central monitoring note on site {site.code}",
    )


@transaction.atomic
def visit_schedule(
    *, user, site: Site, planned_on: dt.date | None, kind: str, purpose: str
) -> MonitoringVisit:
    """Schedule a monitoring visit at a site, audited (the monitor is the user)."""
    roles.require(user, roles.ACT_ON_SITE_RISK, site)
    errors = {}
    if planned_on is None:
        errors["planned_on"] = DATE_REQUIRED
    elif planned_on < timezone.localdate():
        errors["planned_on"] = DATE_PAST
    if kind not in MonitoringVisit.Kind.values:
        errors["kind"] = KIND_REQUIRED
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = PURPOSE_REQUIRED
    if errors:
        raise ValidationError(errors)
    return audited_create(
        MonitoringVisit(site=site, planned_on=planned_on, kind=kind, purpose=purpose, monitor=user),
        user=user,
        reason=f"Monitoring visit scheduled at site {site.code}",
    )
