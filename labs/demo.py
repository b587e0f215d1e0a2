"""Demo lab data: one laboratory per site with its normal ranges, haematology before the
paclitaxel doses, chemistry each D1, and the three immune-monitoring draws.

Runs after the dosing demo and reads what it recorded on the calendar: haematology is drawn the
day before each paclitaxel dose given (``CalendarEvent`` of kind "paclitaxel" with an actual
date; a held dose gets the low count that held it), and a post-injection immune draw is taken
13 days (± a little) after the *actual* date of injection 6 / 12. Without recorded doses the
D1s planned up to today stand in. Nothing is dated after today or after a withdrawal of
consent. Immune values rise from baseline in monocytes, dendritic cells, NK cells and
effector-memory CD8 T cells, more in the higher-dose cohorts, as the paper reports.

Each write is recorded when it was made in the trial (``edc.audit.clock.back_entry_on``):
the laboratories before the first screening, a panel the afternoon its sample was drawn, an
immune panel two days after its draw (flow cytometry).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from edc import protocol
from edc.access.models import Site
from edc.audit.clock import back_entry_on
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of

from . import services
from .catalogue import CHEMISTRY, HAEMATOLOGY, IMMUNE, analytes_for_panel
from .constants import DrawEvent
from .models import ImmuneDraw, Laboratory

LAB_NAMES = {
    "FR01": "Laboratoire de biologie médicale, Institut Curie",
    "FR02": "Laboratoire de biologie, Centre Léon Bérard",
    "BE01": "Laboratoire clinique, Institut Jules Bordet",
}
RANGES_FROM = dt.date(2024, 1, 1)
LABS_SET_UP_ON = dt.date(2025, 2, 24)
# (analyte, sex, low, high), standard units.
RANGES = (
    ("ANC", "", "1.8", "7.5"),
    ("PLT", "", "150", "400"),
    ("HGB", "F", "12.0", "16.0"),
    ("HGB", "M", "13.0", "17.0"),
    ("WBC", "", "4.0", "10.0"),
    ("LYM", "", "1.0", "4.0"),
    ("BILI", "", "3", "17"),
    ("ALT", "", "7", "35"),
    ("AST", "", "10", "35"),
    ("CREAT", "", "45", "90"),
)
# FR01 changed its haematology analyser in 2026: a new ANC range version from that date.
NEW_ANC_RANGE = ("FR01", dt.date(2026, 1, 5), "2.0", "7.5")

# Typical value and spread of a patient on paclitaxel (standard units).
HAEM_MEAN = {"ANC": 3.4, "PLT": 250, "HGB": 12.2, "WBC": 5.8, "LYM": 1.5}
CHEM_MEAN = {"BILI": 9, "ALT": 24, "AST": 26, "CREAT": 68}
# Immune panel at baseline; the % analytes and activation markers in %.
IMMUNE_BASELINE = {
    "MONO": 420,
    "MONO_PCT": 7.0,
    "MDC": 14,
    "MDC_PCT": 0.25,
    "PDC": 9,
    "PDC_PCT": 0.16,
    "NK": 190,
    "NK_PCT": 12.0,
    "CD8": 380,
    "CD8_PCT": 24.0,
    "CD8_EM": 110,
    "CD8_EM_PCT": 29.0,
    "MONO_CD80_PCT": 4.0,
    "MONO_CD86_PCT": 82.0,
    "MDC_CD80_PCT": 7.0,
    "MDC_CD83_PCT": 3.0,
    "MDC_CD86_PCT": 58.0,
    "PDC_CD86_PCT": 18.0,
}
# Relative increase at the post-injection draws for the populations the paper reports.
RISING = ("MONO", "MDC", "PDC", "NK", "CD8_EM", "MONO_CD86_PCT", "MDC_CD83_PCT", "MDC_CD86_PCT")
COHORT_GAIN = {"A": 0.25, "B": 0.4, "C": 0.6}
LATE_DRAW_PATIENT = 5
# Units some laboratories report in (kept as reported beside the standard value).
REPORTED_UNITS = {
    "BE01": {code: ("10^3/µL", Decimal(1)) for code in ("ANC", "PLT", "WBC", "LYM")},
    "FR02": {"CREAT": ("mg/dL", Decimal(1) / Decimal("88.4")), "HGB": ("g/L", Decimal(10))},
}  # one draw 3 days late: outside 13 ± 2, for the deviation rule


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _value(mean: float, rng, spread: float = 0.18, places: int = 2) -> Decimal:
    value = max(mean * (1 + rng.gauss(0, spread)), mean * 0.35)
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _labs(user) -> dict[int, Laboratory]:
    labs = {}
    for site in Site.objects.order_by("code"):
        lab = services.laboratory_create(
            user=user,
            site=site,
            code=f"{site.code}-LAB",
            name=LAB_NAMES.get(site.code, f"Laboratory of {site.name}"),
        )
        for analyte_code, sex, low, high in RANGES:
            services.reference_range_create(
                user=user,
                lab=lab,
                analyte=analyte_code,
                sex=sex,
                low=Decimal(low),
                high=Decimal(high),
                effective_from=RANGES_FROM,
            )
        if site.code == NEW_ANC_RANGE[0]:
            services.reference_range_create(
                user=user,
                lab=lab,
                analyte="ANC",
                sex="",
                low=Decimal(NEW_ANC_RANGE[2]),
                high=Decimal(NEW_ANC_RANGE[3]),
                effective_from=NEW_ANC_RANGE[1],
            )
        labs[site.pk] = lab
    return labs


def _panel_values(panel: str, rng, *, site_code: str, anc: Decimal | None = None) -> dict:
    """One panel's values as the site's laboratory reports them (its own units)."""
    values = {}
    for a in analytes_for_panel(panel):
        mean = (HAEM_MEAN if panel == HAEMATOLOGY else CHEM_MEAN)[a.code]
        number = _value(mean, rng, places=0 if a.code == "PLT" else 2)
        values[a.code] = (number, a.unit)
    if anc is not None:
        values["ANC"] = (anc, "10^9/L")
    unit_of_site = REPORTED_UNITS.get(site_code, {})
    for code, (number, _unit) in list(values.items()):
        if code in unit_of_site:
            converted_unit, factor = unit_of_site[code]
            values[code] = ((number * factor).quantize(Decimal("0.01")), converted_unit)
    return values


def _within(collected_at: dt.datetime, *, consent: dt.date, patient: Patient) -> bool:
    day = timezone.localdate(collected_at)
    if collected_at > timezone.now() or day < consent:
        return False
    return not (patient.consent_withdrawn_on and day > patient.consent_withdrawn_on)


def _sample_days(patient: Patient, events: list[CalendarEvent]) -> list[tuple[dt.date, bool, bool]]:
    """(dose day, is a D1, was held) of each paclitaxel dose to draw haematology before."""
    recorded = [e for e in events if e.actual_date or e.not_done_reason]
    if recorded:
        return [
            (e.actual_date or e.planned_date, e.day == 1, e.actual_date is None) for e in recorded
        ]
    today = timezone.localdate()
    return [
        (e.planned_date, True, False)
        for e in events
        if e.day == 1 and e.planned_date <= today and not e.cancelled_reason
    ]


def _immune_values(baseline: dict[str, Decimal], gain: float, rng) -> dict:
    values = {}
    for a in analytes_for_panel(IMMUNE):
        base = float(baseline[a.code])
        factor = 1 + (gain * (1 + rng.gauss(0, 0.25)) if a.code in RISING else rng.gauss(0, 0.08))
        number = base * max(factor, 0.5)
        if a.unit == "%":
            number = min(number, 99.0)
        places = 1 if a.unit != "%" else 2
        values[a.code] = (Decimal(str(number)).quantize(Decimal(1).scaleb(-places)), a.unit)
    return values


def build(*, users: dict, rng) -> None:
    """Add the lab data to the demo trial (called by edc.demo.builder after dosing)."""
    if Laboratory.objects.exists():
        return
    with back_entry_on(LABS_SET_UP_ON, 11, 0):
        labs = _labs(users["datamanager"])
    staff = {
        "FR01": users["investigator"],
        "FR02": users["investigator.lyon"],
        "BE01": users["investigator.brussels"],
    }
    patients = (
        Patient.objects.exclude(subject_id=None)
        .select_related("site", "cohort")
        .order_by("enrolled_on", "id")
    )
    for index, patient in enumerate(patients):
        user = staff.get(patient.site.code) or users["investigator"]
        lab = labs[patient.site_id]
        consent = consent_date_of(patient)
        calendar = list(CalendarEvent.objects.filter(patient=patient).order_by("planned_date"))
        doses = [e for e in calendar if e.kind == protocol.PACLITAXEL]
        for dose_day, is_d1, held in _sample_days(patient, doses):
            collected_at = _aware(dose_day - dt.timedelta(days=1), 8, rng.randint(0, 50))
            if not _within(collected_at, consent=consent, patient=patient):
                continue
            anc = Decimal("0.8") if held else None
            with back_entry_on(timezone.localdate(collected_at), 14, rng.randint(0, 59)):
                services.lab_panel_record(
                    user=user,
                    patient=patient,
                    lab=lab,
                    panel=HAEMATOLOGY,
                    collected_at=collected_at,
                    values=_panel_values(HAEMATOLOGY, rng, site_code=patient.site.code, anc=anc),
                )
                if is_d1:
                    services.lab_panel_record(
                        user=user,
                        patient=patient,
                        lab=lab,
                        panel=CHEMISTRY,
                        collected_at=collected_at,
                        values=_panel_values(CHEMISTRY, rng, site_code=patient.site.code),
                    )
        _immune_draws(patient, index, calendar, lab=lab, user=user, consent=consent, rng=rng)


def _last_day(patient: Patient) -> dt.date:
    return min(timezone.localdate(), patient.consent_withdrawn_on or timezone.localdate())


def _immune_draws(patient, index, calendar, *, lab, user, consent, rng) -> None:
    events = {e.code: e for e in calendar}
    c1d1 = patient.c1d1_date
    baseline_day = max(consent, c1d1 - dt.timedelta(days=rng.randint(1, 6)))
    baseline_at = _aware(baseline_day, 7, 30)
    if not _within(baseline_at, consent=consent, patient=patient):
        return
    baseline = {
        code: min(_value(mean, rng, spread=0.2, places=2), Decimal("95"))
        for code, mean in IMMUNE_BASELINE.items()
    }
    with back_entry_on(min(baseline_day + dt.timedelta(days=2), _last_day(patient)), 15, 0):
        services.immune_draw_record(
            user=user,
            patient=patient,
            event_code=DrawEvent.BASELINE,
            drawn_at=baseline_at,
            sample_id=f"{patient.subject_id}-IMM-BL",
            processing_minutes=rng.randint(30, 180),
            lab=lab,
            values={a.code: (baseline[a.code], a.unit) for a in analytes_for_panel(IMMUNE)},
        )
    gain = COHORT_GAIN.get(patient.cohort.code, 0.3)
    for code in (DrawEvent.AFTER_INJECTION_6, DrawEvent.AFTER_INJECTION_12):
        event = events.get(code)
        anchor = events.get(protocol.PLANNED_EVENTS_BY_CODE[code].follows)
        if event is None or event.cancelled_reason or anchor is None or not anchor.actual_date:
            continue
        shift = 3 if index == LATE_DRAW_PATIENT and code == DrawEvent.AFTER_INJECTION_12 else 0
        drawn_at = _aware(event.planned_date + dt.timedelta(days=shift), 7, 45)
        if not _within(drawn_at, consent=consent, patient=patient):
            continue
        if ImmuneDraw.objects.filter(patient=patient, event_code=code).exists():
            continue
        entered = timezone.localdate(drawn_at) + dt.timedelta(days=2)
        with back_entry_on(min(entered, _last_day(patient)), 15, 0):
            services.immune_draw_record(
                user=user,
                patient=patient,
                event_code=code,
                drawn_at=drawn_at,
                sample_id=f"{patient.subject_id}-{code}",
                processing_minutes=rng.randint(30, 180),
                lab=lab,
                values=_immune_values(baseline, gain, rng),
            )
