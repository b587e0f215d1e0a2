"""EX — Exposure: every paclitaxel administration and IMP321 injection, given or not.

Doses not given (held / not done) are kept with ``EXOCCUR = N`` and no dose, so exposure and
dose intensity can be recomputed from this dataset alone; planned dose, BSA and dose level
(stored as shown at entry) are supplementary variables.
"""

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from dosing.constants import AdministrationStatus, InjectionSite, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from patients.models import Patient

from ..context import ExportContext, merge_by_subject
from ..spec import DATETIME, FLOAT, TEXT, Domain, Rec, Variable, col, identifiers, origin

PAC = PaclitaxelAdministration
IMP = Imp321Injection
PACLITAXEL = "PACLITAXEL"
IMP321 = "IMP321"
MG = "mg"

PAC_FIELDS = (
    "id",
    "cycle",
    "day",
    "administration_date",
    "status",
    "status_reason",
    "bsa_m2",
    "dose_level_mg_m2",
    "planned_dose_mg",
    "reduction_reason",
    "actual_dose_mg",
    "infusion_start",
    "infusion_stop",
)
IMP_FIELDS = (
    "id",
    "injection_number",
    "status",
    "status_reason",
    "injected_at",
    "dose_mg",
    "dose_reason",
    "lot_number",
    "injection_site",
)
IMP_VISITS = {e.sequence: e.code for e in protocol.PLANNED_EVENTS if e.kind == protocol.IMP321}
INJECTION_SITES = {
    InjectionSite.ABDOMEN: "ABDOMEN",
    InjectionSite.THIGH: "THIGH",
    InjectionSite.UPPER_ARM: "UPPER ARM",
}


def _at(day: dt.date, time: dt.time | None) -> str:
    if time is None:
        return day.isoformat()
    return f"{day.isoformat()}T{time.hour:02d}:{time.minute:02d}"


def _paclitaxel(row: dict) -> dict:
    given = row["status"] == AdministrationStatus.GIVEN
    day = row["administration_date"]
    return {
        "sort": (day, 0, row["id"]),
        "trt": PACLITAXEL,
        "dose": row["actual_dose_mg"],
        "dosfrm": "SOLUTION",
        "dosfrq": "QW",
        "route": "INTRAVENOUS",
        "loc": None,
        "stdtc": _at(day, row["infusion_start"]),
        "endtc": _at(day, row["infusion_stop"]) if row["infusion_stop"] else None,
        "visit": protocol.paclitaxel_code(row["cycle"], row["day"]),
        "occur": "Y" if given else "N",
        "status": row["status"].upper(),
        "reasnd": row["status_reason"] or None,
        "adj": row["reduction_reason"] or None,
        "level": row["dose_level_mg_m2"],
        "reduced": "Y"
        if row["dose_level_mg_m2"] < protocol.PACLITAXEL_STARTING_DOSE_MG_M2
        else "N",
        "planned": row["planned_dose_mg"],
        "bsa": row["bsa_m2"],
        "lot": None,
    }


def _imp321(row: dict) -> dict:
    given = row["status"] == InjectionStatus.GIVEN
    at = row["injected_at"].astimezone(timezone.get_default_timezone())
    return {
        "sort": (at.date(), 1, row["id"]),
        "trt": IMP321,
        "dose": row["dose_mg"] if given else None,
        "dosfrm": "INJECTION",
        "dosfrq": "Q2W",
        "route": "SUBCUTANEOUS",
        "loc": INJECTION_SITES.get(row["injection_site"]),
        "stdtc": at,
        "endtc": at,
        "visit": IMP_VISITS.get(row["injection_number"]),
        "occur": "Y" if given else "N",
        "status": row["status"].upper(),
        "reasnd": row["status_reason"] or None,
        "adj": row["dose_reason"] or None,
        "level": None,
        "reduced": None,
        "planned": None,
        "bsa": None,
        "lot": row["lot_number"] or None,
    }


def records(ctx: ExportContext) -> Iterator[Rec]:
    pac = ctx.stream(PAC, PAC_FIELDS, order_by=("administration_date", "id"))
    imp = ctx.stream(IMP, IMP_FIELDS, order_by=("injected_at", "id"))
    for subject, groups in merge_by_subject(ctx.subjects(), pac=pac, imp=imp):
        rows = [_paclitaxel(r) for r in groups["pac"]] + [_imp321(r) for r in groups["imp"]]
        rows.sort(key=lambda r: r["sort"])
        for seq, row in enumerate(rows, start=1):
            yield Rec(subject, seq, row)


DOMAIN = Domain(
    code="EX",
    records=records,
    label="Exposure",
    description=(
        "Paclitaxel 80 mg/m² IV on D1, D8, D15 of 28-day cycles and IMP321 s.c. on D2 and D16 "
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
        Variable("EXDOSU", "Dose Units", TEXT, lambda r: MG),
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
            col("loc"),
            codelist="EXLOC",
            origin=origin(IMP, "injection_site"),
        ),
        Variable(
            "EXSTDTC",
            "Start Date/Time of Treatment",
            DATETIME,
            col("stdtc"),
            origin="administration date + infusion start / injection time",
        ),
        Variable(
            "EXENDTC",
            "End Date/Time of Treatment",
            DATETIME,
            col("endtc"),
            origin="administration date + infusion stop / injection time",
        ),
        Variable("VISIT", "Visit Name", TEXT, col("visit"), codelist="VISIT"),
        Variable(
            "EXOCCUR",
            "Occurrence (dose given)",
            TEXT,
            col("occur"),
            codelist="NY",
            supplementary=True,
        ),
        Variable(
            "EXSTAT",
            "Administration Status",
            TEXT,
            col("status"),
            codelist="EXSTAT",
            origin=origin(PAC, "status"),
            supplementary=True,
        ),
        Variable(
            "EXREASND",
            "Reason Not Done (held / not done)",
            TEXT,
            col("reasnd"),
            origin=origin(PAC, "status_reason"),
            identifying=True,
        ),
        Variable(
            "EXADJ",
            "Reason for Dose Adjustment",
            TEXT,
            col("adj"),
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
            col("reduced"),
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
            col("lot"),
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
