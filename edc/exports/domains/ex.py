"""EX — Exposure: every paclitaxel administration and IMP321 injection, given or not.

Doses not given (held / not done) are kept with ``EXOCCUR = N`` and no dose, so exposure and
dose intensity can be recomputed from this dataset alone; planned dose, BSA and dose level
(stored as shown at entry) are supplementary variables.
"""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Value, When
from django.db.models.functions import TruncDate

from dosing.constants import AdministrationStatus, InjectionSite, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from patients.models import Patient

from ..pgcsv import literal
from ..spec import (
    DATE,
    DATETIME,
    FLOAT,
    TEXT,
    Domain,
    Part,
    Rec,
    Stream,
    Variable,
    col,
    const,
    identifiers,
    mapped,
    nonblank,
    origin,
)

PAC = PaclitaxelAdministration
IMP = Imp321Injection
PACLITAXEL = "PACLITAXEL"
IMP321 = "IMP321"
MG = "mg"

IMP_VISITS = {e.sequence: e.code for e in protocol.PLANNED_EVENTS if e.kind == protocol.IMP321}
INJECTION_SITES = {
    InjectionSite.ABDOMEN: "ABDOMEN",
    InjectionSite.THIGH: "THIGH",
    InjectionSite.UPPER_ARM: "UPPER ARM",
}
STATUS_TERMS = {
    value: value.upper() for value in {*AdministrationStatus.values, *InjectionStatus.values}
}
GIVEN = AdministrationStatus.GIVEN
assert GIVEN == InjectionStatus.GIVEN


DOSE = models.DecimalField(max_digits=7, decimal_places=2)


def _none(field: models.Field) -> Value:
    """A column the other treatment has: NULL here, typed for the UNION."""
    return Value(None, output_field=field)


# One record per dose, paclitaxel and IMP321 alike (a UNION ALL of the two tables), in date
# order: paclitaxel before IMP321 on the same day. Each part gives the same columns in the
# same order; a column one treatment does not have is NULL in its part.
STREAM = Stream(
    parts=(
        Part(
            PAC,
            ("id",),
            expressions={
                "kind": Value(0),
                "sort_date": F("administration_date"),
                "trt": Value(PACLITAXEL),
                # Typed wide enough for IMP321's 0.25 mg: a UNION column takes the first
                # part's type, and SQLite's decimal converter rounds to its places.
                "dose": ExpressionWrapper(F("actual_dose_mg"), output_field=DOSE),
                "dosfrm": Value("SOLUTION"),
                "dosfrq": Value("QW"),
                "route": Value("INTRAVENOUS"),
                "site": _none(models.CharField()),
                "start_time": F("infusion_start"),
                "end_time": F("infusion_stop"),
                "inj_at": _none(models.DateTimeField()),
                "cycle_no": F("cycle"),
                "cycle_day": F("day"),
                "inj_number": _none(models.IntegerField()),
                "dose_status": F("status"),
                "reasnd": F("status_reason"),
                "adj": F("reduction_reason"),
                "level": F("dose_level_mg_m2"),
                "planned": F("planned_dose_mg"),
                "bsa": F("bsa_m2"),
                "lot": _none(models.CharField()),
            },
        ),
        Part(
            IMP,
            ("id",),
            expressions={
                "kind": Value(1),
                "sort_date": TruncDate("injected_at"),  # the day in the trial's time zone
                "trt": Value(IMP321),
                "dose": Case(When(status=GIVEN, then=F("dose_mg")), default=None),
                "dosfrm": Value("INJECTION"),
                "dosfrq": Value("Q2W"),
                "route": Value("SUBCUTANEOUS"),
                "site": F("injection_site"),
                "start_time": _none(models.TimeField()),
                "end_time": _none(models.TimeField()),
                "inj_at": F("injected_at"),
                "cycle_no": _none(models.IntegerField()),
                "cycle_day": _none(models.IntegerField()),
                "inj_number": F("injection_number"),
                "dose_status": F("status"),
                "reasnd": F("status_reason"),
                "adj": F("dose_reason"),
                "level": _none(models.DecimalField()),
                "planned": _none(models.DecimalField()),
                "bsa": _none(models.DecimalField()),
                "lot": F("lot_number"),
            },
        ),
    ),
    order_by=("sort_date", "kind", "id"),
)


def _at(day: dt.date, time: dt.time | None) -> str:
    if time is None:
        return day.isoformat()
    return f"{day.isoformat()}T{time.hour:02d}:{time.minute:02d}"


def _start(rec: Rec):
    row = rec.data
    return row["inj_at"] or _at(row["sort_date"], row["start_time"])


def _end(rec: Rec):
    row = rec.data
    if row["inj_at"] is not None:
        return row["inj_at"]
    return _at(row["sort_date"], row["end_time"]) if row["end_time"] else None


def _infusion_sql(c, time: str) -> str:
    """The infusion's date, with its time when recorded (``_at``)."""
    day = c.cell("sort_date", DATE)
    return f"""{day} || COALESCE(to_char({c.ref(time)}, '"T"HH24:MI'), '')"""


def _start_sql(c) -> str:
    injected, infusion = c.ref("inj_at"), _infusion_sql(c, "start_time")
    return f"CASE WHEN {injected} IS NULL THEN {infusion} ELSE {c.cell('inj_at', DATETIME)} END"


def _end_sql(c) -> str:
    injected, stop = c.ref("inj_at"), c.ref("end_time")
    return (
        f"CASE WHEN {injected} IS NOT NULL THEN {c.cell('inj_at', DATETIME)} "
        f"WHEN {stop} IS NOT NULL THEN {_infusion_sql(c, 'end_time')} END"
    )


def _visit(rec: Rec):
    row = rec.data
    if row["inj_number"] is None:
        return protocol.paclitaxel_code(row["cycle_no"], row["cycle_day"])
    return IMP_VISITS.get(row["inj_number"])


def _visit_sql(c) -> str:
    # protocol.paclitaxel_code(cycle, day) for a paclitaxel dose (test_pgcsv holds the two).
    number = c.ref("inj_number")
    visits = " ".join(f"WHEN {n} THEN {c.constant(code, TEXT)}" for n, code in IMP_VISITS.items())
    pac = f"'PAC-C' || {c.ref('cycle_no')} || 'D' || {c.ref('cycle_day')}"
    return f"CASE WHEN {number} IS NULL THEN {pac} ELSE CASE {number} {visits} END END"


def _occur(rec: Rec):
    return "Y" if rec.data["dose_status"] == GIVEN else "N"


def _reduced(rec: Rec):
    level = rec.data["level"]
    if level is None:
        return None
    return "Y" if level < protocol.PACLITAXEL_STARTING_DOSE_MG_M2 else "N"


def _reduced_sql(c) -> str:
    level = c.ref("level")
    starting = Decimal(protocol.PACLITAXEL_STARTING_DOSE_MG_M2)
    return f"CASE WHEN {level} < {starting} THEN 'Y' WHEN {level} IS NOT NULL THEN 'N' END"


DOMAIN = Domain(
    code="EX",
    records=STREAM.records,
    stream=STREAM,
    label="Exposure",
    description=(
        f"{protocol.TREATMENT_REGIMEN} "
        "(cohort dose); doses held or not done are kept with EXOCCUR = N."
    ),
    keys=("STUDYID", "USUBJID", "EXTRT", "EXSTDTC"),
    models=(Patient, PaclitaxelAdministration, Imp321Injection),
    variables=(
        *identifiers("EX", "EXSEQ"),
        Variable("EXTRT", "Name of Treatment", TEXT, col("trt"), codelist="EXTRT"),
        Variable(
            "EXDOSE",
            "Dose",
            FLOAT,
            col("dose"),
            unit=MG,
            origin="dosing.paclitaxeladministration.actual_dose_mg / imp321injection.dose_mg",
        ),
        Variable("EXDOSU", "Dose Units", TEXT, const(MG)),
        Variable("EXDOSFRM", "Dose Form", TEXT, col("dosfrm"), codelist="EXDOSFRM"),
        Variable(
            "EXDOSFRQ",
            "Dosing Frequency per Interval",
            TEXT,
            col("dosfrq"),
            codelist="EXDOSFRQ",
            origin="edc.protocol: paclitaxel D1/D8/D15 weekly, IMP321 every two weeks",
        ),
        Variable("EXROUTE", "Route of Administration", TEXT, col("route"), codelist="EXROUTE"),
        Variable(
            "EXLOC",
            "Location of Dose Administration",
            TEXT,
            mapped("site", INJECTION_SITES, default=None),
            codelist="EXLOC",
            origin=origin(IMP, "injection_site"),
        ),
        Variable(
            "EXSTDTC",
            "Start Date/Time of Treatment",
            DATETIME,
            _start,
            sql=_start_sql,
            origin="administration date + infusion start / injection time",
        ),
        Variable(
            "EXENDTC",
            "End Date/Time of Treatment",
            DATETIME,
            _end,
            sql=_end_sql,
            origin="administration date + infusion stop / injection time",
        ),
        Variable("VISIT", "Visit Name", TEXT, _visit, sql=_visit_sql, codelist="VISIT"),
        Variable(
            "EXOCCUR",
            "Occurrence (dose given)",
            TEXT,
            _occur,
            sql=lambda c: (
                f"CASE WHEN {c.ref('dose_status')} = {literal(GIVEN)} THEN 'Y' ELSE 'N' END"
            ),
            codelist="NY",
            supplementary=True,
        ),
        Variable(
            "EXSTAT",
            "Administration Status",
            TEXT,
            mapped("dose_status", STATUS_TERMS),
            codelist="EXSTAT",
            origin=origin(PAC, "status"),
            supplementary=True,
        ),
        Variable(
            "EXREASND",
            "Reason Not Done (held / not done)",
            TEXT,
            nonblank("reasnd"),
            origin=origin(PAC, "status_reason"),
            identifying=True,
        ),
        Variable(
            "EXADJ",
            "Reason for Dose Adjustment",
            TEXT,
            nonblank("adj"),
            origin=origin(PAC, "reduction_reason"),
            identifying=True,
        ),
        Variable(
            "EXDOSLVL",
            "Paclitaxel Dose Level",
            FLOAT,
            col("level"),
            unit="mg/m2",
            origin=origin(PAC, "dose_level_mg_m2"),
            supplementary=True,
        ),
        Variable(
            "EXDOSRED",
            "Dose Reduced Below the Starting Level",
            TEXT,
            _reduced,
            sql=_reduced_sql,
            codelist="NY",
            origin="derived: dose level below edc.protocol.PACLITAXEL_STARTING_DOSE_MG_M2",
            supplementary=True,
        ),
        Variable(
            "EXPLDOS",
            "Planned Dose (as shown at entry)",
            FLOAT,
            col("planned"),
            unit=MG,
            origin=origin(PAC, "planned_dose_mg"),
            supplementary=True,
        ),
        Variable(
            "EXBSA",
            "Body Surface Area (Mosteller, as shown at entry)",
            FLOAT,
            col("bsa"),
            unit="m2",
            origin=origin(PAC, "bsa_m2"),
            supplementary=True,
        ),
        Variable(
            "EXLOT",
            "Lot Number",
            TEXT,
            nonblank("lot"),
            origin=origin(IMP, "lot_number"),
            supplementary=True,
        ),
    ),
    codelists={
        "EXTRT": ((PACLITAXEL, "Paclitaxel"), (IMP321, "IMP321 (LAG-3Ig, eftilagimod alpha)")),
        "EXDOSFRM": (("SOLUTION", "Solution for infusion"), ("INJECTION", "Injection")),
        "EXDOSFRQ": (("QW", "Every week"), ("Q2W", "Every 2 weeks")),
        "EXROUTE": (("INTRAVENOUS", "Intravenous"), ("SUBCUTANEOUS", "Subcutaneous")),
        "EXLOC": tuple((term, InjectionSite(code).label) for code, term in INJECTION_SITES.items()),
        "EXSTAT": tuple(
            dict.fromkeys(
                (value.upper(), label)
                for value, label in (*AdministrationStatus.choices, *InjectionStatus.choices)
            )
        ),
    },
)
