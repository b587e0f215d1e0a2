"""The readings the statistical checks compare, by site code: one query per kind of reading."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from assessments.models import VitalSigns
from labs.catalogue import ANALYTES_BY_CODE, IMMUNE
from labs.models import LabResult

from . import checks
from .kri import Entry

VITALS: dict[str, checks.Measure] = {
    "systolic_bp": checks.Measure("systolic_bp", "systolic pressures", "mmHg"),
    "diastolic_bp": checks.Measure("diastolic_bp", "diastolic pressures", "mmHg"),
    "heart_rate": checks.Measure("heart_rate", "heart rates", "/min"),
    "temperature_c": checks.Measure("temperature_c", "temperatures", "°C"),
    "weight_kg": checks.Measure("weight_kg", "weights", "kg"),
}


def lab_measure(code: str) -> checks.Measure:
    analyte = ANALYTES_BY_CODE.get(code)
    if analyte is None:
        return checks.Measure(code, f"{code} values", "")
    return checks.Measure(f"lab:{code}", f"{analyte.name} values", analyte.unit)


def describe_vitals(values: tuple) -> str:
    systolic, diastolic, heart_rate, temperature, weight = values
    return (
        f"blood pressure {systolic}/{diastolic} mmHg, heart rate {heart_rate} /min, "
        f"temperature {temperature} °C, weight {weight} kg"
    )


class Readings:
    """Everything the checks read, keyed by site code (``site_codes``: id → code)."""

    def __init__(self, *, entries: list[Entry], site_codes: dict[int, str]):
        self.vitals: dict[str, dict[str, list]] = {code: {} for code in VITALS}
        self.vital_rows: dict[str, list[tuple[int, tuple]]] = {}
        self.labs: dict[str, dict[str, list[float]]] = {}
        self.lab_measures: dict[str, checks.Measure] = {}
        fields = list(VITALS)
        for row in VitalSigns.objects.values_list("patient_id", "patient__site__code", *fields):
            patient_id, site = row[0], row[1]
            for code, value in zip(fields, row[2:], strict=True):
                self.vitals[code].setdefault(site, []).append(value)
            self.vital_rows.setdefault(site, []).append((patient_id, tuple(row[2:])))
        # Safety laboratory values (haematology, chemistry) as the sites report them; the
        # immune panel is measured centrally, not by the sites.
        immune = [code for code, a in ANALYTES_BY_CODE.items() if a.panel == IMMUNE]
        by_analyte: dict[str, dict[str, list[float]]] = {}
        for analyte, site, value in (
            LabResult.objects.exclude(analyte__in=immune)
            .values_list("analyte", "patient__site__code", "standard_value")
            .order_by()
        ):
            by_analyte.setdefault(analyte, {}).setdefault(site, []).append(float(value))
        for analyte, by_site in by_analyte.items():
            measure = lab_measure(analyte)
            self.lab_measures[measure.code] = measure
            self.labs[measure.code] = by_site
        self.saved_days: dict[str, list[dt.date]] = {}
        for e in entries:
            code = site_codes.get(e.site_id)
            if code:
                self.saved_days.setdefault(code, []).append(e.saved_day)

    def numeric_vitals(self) -> dict[str, dict[str, list[float]]]:
        return {
            code: {s: [float(v) for v in values] for s, values in by_site.items()}
            for code, by_site in self.vitals.items()
        }


def holidays() -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(d) for d in settings.RISK_HOLIDAYS)


def run_checks(readings: Readings) -> list[checks.Finding]:
    alpha = settings.RISK_CHECK_ALPHA
    min_n = settings.RISK_CHECK_MIN_READINGS
    effect = settings.RISK_CHECK_MIN_EFFECT
    numeric = readings.numeric_vitals()
    measures = {**VITALS, **readings.lab_measures}
    findings = [
        *checks.distribution({**numeric, **readings.labs}, measures, alpha=alpha, min_n=min_n),
        *checks.digit_preference(
            readings.vitals, VITALS, alpha=alpha, min_n=min_n, min_effect=effect
        ),
        *checks.low_variance({**numeric, **readings.labs}, measures, alpha=alpha, min_n=min_n),
        *checks.identical_values(
            readings.vital_rows,
            describe=describe_vitals,
            min_patients=settings.RISK_IDENTICAL_MIN_PATIENTS,
        ),
        *checks.weekday_pattern(readings.saved_days, alpha=alpha, min_n=min_n, holidays=holidays()),
    ]
    return findings
