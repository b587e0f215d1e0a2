"""EX — Exposure: every paclitaxel administration and IMP321 injection, given or not.

Doses not given (held / not done) are kept with ``EXOCCUR = N`` and no dose, so exposure and
dose intensity can be recomputed from this dataset alone; planned dose, BSA and dose level
(stored as shown at entry) are supplementary variables.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Value, When
from django.db.models.functions import Cast, Concat, TruncDate

from dosing.constants import AdministrationStatus, InjectionSite, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from patients.models import Patient

from ..expressions import IsoMinute, Terms, day_and_time
from ..spec import (
    DATETIME,
    FLOAT,
    TEXT,
    Domain,
    Part,
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


# The start of an injection is its time; of an infusion, its day with the start time when
# recorded (text: an infusion without a time is a date only).
START = Case(
    When(inj_at__isnull=False, then=IsoMinute("inj_at")),
    default=day_and_time("sort_date", "start_time"),
)
END = Case(
    When(inj_at__isnull=False, then=IsoMinute("inj_at")),
    When(end_time__isnull=False, then=day_and_time("sort_date", "end_time")),
    default=Value(None),
    output_field=models.CharField(),
)
# protocol.paclitaxel_code(cycle, day) for a paclitaxel dose; the IMP321 injection's visit.
VISIT = Case(
    When(
        inj_number__isnull=True,
        then=Concat(
            Value("PAC-C"),
            Cast("cycle_no", models.CharField()),
            Value("D"),
            Cast("cycle_day", models.CharField()),
        ),
    ),
    default=Terms("inj_number", IMP_VISITS, output_field=models.CharField()),
)
OCCURRED = Case(When(dose_status=GIVEN, then=Value("Y")), default=Value("N"))
REDUCED = Case(
    When(level__lt=Decimal(protocol.PACLITAXEL_STARTING_DOSE_MG_M2), then=Value("Y")),
    When(level__isnull=False, then=Value("N")),
    default=Value(None),
    output_field=models.CharField(),
)


DOMAIN = Domain(
    code="EX",
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
            START,
            origin="administration date + infusion start / injection time",
        ),
        Variable(
            "EXENDTC",
            "End Date/Time of Treatment",
            DATETIME,
            END,
            origin="administration date + infusion stop / injection time",
        ),
        Variable("VISIT", "Visit Name", TEXT, VISIT, codelist="VISIT"),
        Variable(
            "EXOCCUR",
            "Occurrence (dose given)",
            TEXT,
            OCCURRED,
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
            REDUCED,
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
