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
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    """What the patient's figure counts, in words (the active language)."""
    late = sum(e.lag > _late_days() for e in p.entries)
    n = len(p.entries)
    months = f"{p.months:.1f}"
    words = {
        "entry_lag_days": lambda: ngettext("%(n)s record", "%(n)s records", n) % {"n": n},
        "late_entry_pct": lambda: (
            ngettext("%(late)s of %(n)s record late", "%(late)s of %(n)s records late", n)
            % {"late": late, "n": n}
        ),
        "query_rate": lambda: (
            _("%(queries)s queries, %(points)s data points")
            % {"queries": p.queries, "points": p.data_points}
        ),
        "old_open_queries": lambda: (
            ngettext("%(n)s old open query", "%(n)s old open queries", p.old_open_queries)
            % {"n": p.old_open_queries}
        ),
        "major_deviations_per_patient": lambda: _("%(n)s major") % {"n": p.major},
        "minor_deviations_per_patient": lambda: _("%(n)s minor") % {"n": p.minor},
        "ae_per_patient_month": lambda: (
            _("%(n)s adverse events in %(months)s months") % {"n": p.aes, "months": months}
        ),
        "sae_per_patient_month": lambda: (
            _("%(n)s serious in %(months)s months") % {"n": p.saes, "months": months}
        ),
        "sdv_backlog_pct": lambda: (
            _("%(unverified)s of %(n)s records unverified")
            % {"unverified": max(0, p.records - p.verified), "n": p.records}
        ),
        "forms_in_progress": lambda: (
            ngettext("%(n)s form", "%(n)s forms", p.in_progress) % {"n": p.in_progress}
        ),
        "missed_visits_per_patient": lambda: _("%(n)s missed") % {"n": p.missed},
        "rdi": lambda: _("not treated") if p.rdi is None else "",
        "screen_failure_pct": lambda: _("failed screening") if p.screen_failed else "",
        "query_answer_days": lambda: _("%(n)s answered") % {"n": len(p.answer_days)},
    }
    return words[code]() if code in words else ""


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
        form = str(ct.model_class()._meta.verbose_name)
        lines.append(
            RecordLine(
                label=f"{form[:1].upper()}{form[1:]}",
                patient_id=p.id,
                patient=p.label,
                detail=ngettext(
                    "dated %(day)s, first saved %(saved)s — %(lag)s day later",
                    "dated %(day)s, first saved %(saved)s — %(lag)s days later",
                    e.lag,
                )
                % {
                    "day": date_format(e.day, "DATE_FORMAT"),
                    "saved": date_format(e.saved_day, "DATE_FORMAT"),
                    "lag": e.lag,
                },
                content_type_id=ct.pk,
                object_id=e.object_id,
            )
        )
    return lines
