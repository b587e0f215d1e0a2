"""Lab fixtures: a laboratory per site with normal ranges, and helpers to record data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from labs import services
from labs.catalogue import CHEMISTRY, HAEMATOLOGY, IMMUNE, analytes_for_panel
from patients.calendar import calendar_record_actual

RANGE_FROM = dt.date(2000, 1, 1)
# Normal ranges in standard units (women), typical of a hospital laboratory.
NORMAL_RANGES = {
    "ANC": ("1.8", "7.5"),
    "PLT": ("150", "400"),
    "HGB": ("12.0", "16.0"),
    "WBC": ("4.0", "10.0"),
    "LYM": ("1.0", "4.0"),
    "BILI": ("3", "17"),
    "ALT": ("7", "35"),
    "AST": ("10", "35"),
    "CREAT": ("45", "90"),
    "MONO": ("200", "800"),
}


def make_lab(*, user, site, code: str):
    lab = services.laboratory_create(user=user, site=site, code=code, name=f"Laboratory {code}")
    for code_, (low, high) in NORMAL_RANGES.items():
        services.reference_range_create(
            user=user,
            lab=lab,
            analyte=code_,
            sex="",
            low=Decimal(low),
            high=Decimal(high),
            effective_from=RANGE_FROM,
        )
    return lab


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    """Uploaded import files go to a temporary folder, not the project's media folder."""
    settings.LAB_IMPORT_ROOT = tmp_path / "lab-imports"
    return settings.LAB_IMPORT_ROOT


@pytest.fixture
def lab(site, data_manager):
    return make_lab(user=data_manager, site=site, code="FR01-LAB")


@pytest.fixture
def other_lab(other_site, data_manager):
    return make_lab(user=data_manager, site=other_site, code="FR02-LAB")


def at(days_ago: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """An aware datetime ``days_ago`` days before today, at the given local time."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def record_injection():
    """Record an IMP321 injection's actual date on the calendar (the dosing app's job)."""

    def record(patient, *, number: int, on: dt.date, user):
        cycle = (number + 1) // 2
        day = 2 if number % 2 else 16
        return calendar_record_actual(
            patient=patient, code=f"IMP-C{cycle}D{day}", actual_date=on, user=user
        )

    return record


def immune_values(scale: str = "1") -> dict[str, tuple[Decimal, str]]:
    """A full immune panel; ``scale`` multiplies the absolute counts."""
    values = {}
    for a in analytes_for_panel(IMMUNE):
        if a.unit == "%":
            values[a.code] = (Decimal("10"), "%")
        else:
            values[a.code] = (Decimal("100") * Decimal(scale), "cells/µL")
    return values


PANEL_ANALYTES = {
    HAEMATOLOGY: [a.code for a in analytes_for_panel(HAEMATOLOGY)],
    CHEMISTRY: [a.code for a in analytes_for_panel(CHEMISTRY)],
}
