"""Scoped reads of central monitoring: the latest snapshot, a site's drill-down, notes, visits.

A monitor sees the rows of their own sites only; the sites they cannot see appear only as one
pooled, unnamed "other sites" row, and only when at least ``ANONYMOUS_MIN_SITES`` sites are
pooled (a single other site would be recognisable).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from edc.access.models import Site
from edc.access.selectors import scope_to_user_sites, user_site_ids

from . import kri
from .models import MonitoringVisit, RiskRun, SiteNote, SiteRisk

ANONYMOUS_MIN_SITES = 2


def latest_run() -> RiskRun | None:
    return RiskRun.objects.order_by("-as_of").first()


def site_rows_for(user, run: RiskRun | None) -> QuerySet[SiteRisk]:
    if run is None:
        return SiteRisk.objects.none()
    qs = SiteRisk.objects.filter(run=run).select_related("site")
    return scope_to_user_sites(qs, user, site_lookup="site")


def others_row(user, run: RiskRun | None) -> dict | None:
    """The median of each indicator over the sites the user cannot see (pooled, unnamed), or
    None when the user sees every site or too few sites would be pooled."""
    ids = user_site_ids(user)
    if ids is None or run is None:
        return None
    hidden = list(SiteRisk.objects.filter(run=run).exclude(site_id__in=ids).values_list("values"))
    if len(hidden) < ANONYMOUS_MIN_SITES:
        return {"sites": len(hidden), "values": None}
    values = {}
    for ind in kri.INDICATORS:
        known = [v[0].get(ind.code) for v in hidden if v[0].get(ind.code) is not None]
        values[ind.code] = statistics.median(known) if known else None
    return {"sites": len(hidden), "values": values}


def site_get_for_user(*, user, code: str) -> Site:
    site = scope_to_user_sites(Site.objects.filter(code=code), user, site_lookup="id").first()
    if site is None:
        raise Http404("No such site.")
    return site


def site_row(*, run: RiskRun | None, site: Site) -> SiteRisk | None:
    if run is None:
        return None
    return SiteRisk.objects.filter(run=run, site=site).first()


def pooled_trend(*, run: RiskRun | None, site: Site) -> dict | None:
    """The other sites' monthly sums pooled (never per site)."""
    if run is None:
        return None
    rows = list(SiteRisk.objects.filter(run=run).exclude(site=site).values_list("trend"))
    months = None
    totals: dict[str, list[int]] = {}
    for (trend,) in rows:
        if not trend:
            continue
        months = months or trend["months"]
        if trend["months"] != months:
            continue
        for key in ("entered", "lag_sum", "late"):
            acc = totals.setdefault(key, [0] * len(months))
            for i, v in enumerate(trend[key]):
                acc[i] += v
    if months is None:
        return None
    return {"months": months, **totals, "sites": len(rows)}


def notes_for(*, site: Site) -> QuerySet[SiteNote]:
    return SiteNote.objects.filter(site=site).select_related("created_by")[:20]


def visits_for(*, site: Site) -> QuerySet[MonitoringVisit]:
    return MonitoringVisit.objects.filter(site=site).select_related("monitor")[:20]


@dataclass(frozen=True)
class PatientLine:
    id: int
    label: str
    value: float | None
    detail: str


@dataclass(frozen=True)
class RecordLine:
    label: str
    patient_id: int
    patient: str
    detail: str
    content_type_id: int | None = None
    object_id: int | None = None


def drill_down(*, site: Site, code: str) -> tuple[list[PatientLine], list[RecordLine]]:
    """The patients behind a site's figure (each with their own value) and, where the figure
    counts records, the records (a fixed number of queries)."""
    facts = kri.gather(site_ids=[site.pk])
    patients = sorted(facts.patients.values(), key=lambda p: p.label)
    lines = []
    for p in patients:
        value = kri.patient_values(p).get(code)
        lines.append(PatientLine(p.id, p.label, value, _detail(code, p)))
    records = _records(code, facts)
    return lines, records


def _detail(code: str, p: kri.PatientFacts) -> str:
    late = sum(e.lag > _late_days() for e in p.entries)
    return {
        "entry_lag_days": f"{len(p.entries)} records",
        "late_entry_pct": f"{late} of {len(p.entries)} records late",
        "query_rate": f"{p.queries} queries, {p.data_points} data points",
        "old_open_queries": f"{p.old_open_queries} old open queries",
        "major_deviations_per_patient": f"{p.major} major",
        "minor_deviations_per_patient": f"{p.minor} minor",
        "ae_per_patient_month": f"{p.aes} adverse events in {p.months:.1f} months",
        "sae_per_patient_month": f"{p.saes} serious in {p.months:.1f} months",
        "sdv_backlog_pct": f"{max(0, p.records - p.verified)} of {p.records} records unverified",
        "forms_in_progress": f"{p.in_progress} forms",
        "missed_visits_per_patient": f"{p.missed} missed",
        "rdi": "not treated" if p.rdi is None else "",
        "screen_failure_pct": "screen failure" if p.screen_failed else "",
        "query_answer_days": f"{len(p.answer_days)} answered",
    }.get(code, "")


def _late_days() -> int:
    from django.conf import settings

    return settings.RISK_LATE_ENTRY_DAYS


def _records(code: str, facts: kri.Facts) -> list[RecordLine]:
    """The records behind entry-lag figures: the site's late entries, newest first (the
    page links each to its record, where a query can be raised)."""
    if code not in ("entry_lag_days", "late_entry_pct"):
        return []
    late = [(e, p) for p in facts.patients.values() for e in p.entries if e.lag > _late_days()]
    late.sort(key=lambda ep: (-ep[0].lag, ep[1].label))
    late = late[:100]
    cts = {}
    for e, _p in late:
        if e.model_label not in cts:
            app, model = e.model_label.split(".")
            cts[e.model_label] = ContentType.objects.get_by_natural_key(app.lower(), model.lower())
    lines = []
    for e, p in late:
        ct = cts[e.model_label]
        form = ct.model_class()._meta.verbose_name
        lines.append(
            RecordLine(
                label=f"{form[:1].upper()}{form[1:]}",
                patient_id=p.id,
                patient=p.label,
                detail=f"dated {e.day:%d %b %Y}, first saved "
                f"{e.saved_day:%d %b %Y} — {e.lag} days later",
                content_type_id=ct.pk,
                object_id=e.object_id,
            )
        )
    return lines
