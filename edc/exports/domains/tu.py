"""TU — Tumor/Lesion Identification: the baseline target and non-target lesions (RECIST 1.1)
and new lesions found at follow-up."""

from collections.abc import Iterator

from assessments.constants import ImagingMethod, NewLesion, Organ
from assessments.models import TargetLesion, TumourAssessment

from ..context import ExportContext
from ..spec import DATE, TEXT, Domain, Rec, Variable, col, const, identifiers, origin
from . import tumours

TARGET = "TARGET"
NON_TARGET = "NON-TARGET"
NEW = "NEW"
METHODS: dict[str, str] = {
    ImagingMethod.CT: "CT SCAN",
    ImagingMethod.MRI: "MRI",
    ImagingMethod.PET_CT: "PET/CT SCAN",
    ImagingMethod.CHEST_XRAY: "X-RAY",
    ImagingMethod.CLINICAL: "PHYSICAL EXAMINATION",
    ImagingMethod.OTHER: "OTHER",
}


# Organ code → TULOC term, computed once (a lookup per lesion instead of a Choices scan).
_ORGANS: dict[str, str] = {code: label.split(" (")[0].upper() for code, label in Organ.choices}


def _organ(code: str) -> str:
    return _ORGANS[code] if code in _ORGANS else code.upper()


def records(ctx: ExportContext) -> Iterator[Rec]:
    # TU shows the lesions only: the course is read without measurements or the engine.
    for course in tumours.courses(ctx, evaluate=False):
        subject = course.subject
        seq = 0
        base = course.baseline
        if base:
            method = METHODS.get(base["method"], base["method"])
            visit = base["visit_term"]
            date = base["assessment_date"]
            for kind, lesions in ((TARGET, course.targets), (NON_TARGET, course.non_targets)):
                for lesion in lesions:
                    seq += 1
                    yield Rec(
                        subject,
                        seq,
                        {
                            "lnkid": lesion["label"],
                            "result": kind,
                            "loc": _organ(lesion["organ"]),
                            "locdtl": lesion["location"] or None,
                            "method": method,
                            "visit": visit,
                            "date": date,
                            "equivocal": None,
                        },
                    )
        number = 0
        for followup in course.followups:
            new_lesion = followup["new_lesion"]
            if new_lesion == NewLesion.NONE:
                continue
            number += 1
            seq += 1
            yield Rec(
                subject,
                seq,
                {
                    "lnkid": f"NEW{number:02d}",
                    "result": NEW,
                    "loc": None,
                    "locdtl": followup["new_lesion_description"] or None,
                    "method": METHODS.get(followup["method"], followup["method"]),
                    "visit": followup["visit_term"],
                    "date": followup["assessment_date"],
                    "equivocal": "Y" if new_lesion == NewLesion.EQUIVOCAL else "N",
                },
            )


DOMAIN = Domain(
    code="TU",
    records=records,
    label="Tumor/Lesion Identification",
    description=(
        "RECIST 1.1 lesions identified at baseline (target, non-target) and new lesions "
        "recorded at follow-up assessments."
    ),
    keys=("STUDYID", "USUBJID", "TULNKID"),
    models=tumours.MODELS,
    variables=(
        *identifiers("TU", "TUSEQ"),
        Variable(
            "TULNKID",
            "Link ID (lesion label)",
            TEXT,
            col("lnkid"),
            origin=origin(TargetLesion, "label"),
        ),
        Variable("TUTESTCD", "Tumor/Lesion ID Short Name", TEXT, const("TUMIDENT")),
        Variable("TUTEST", "Tumor/Lesion ID Test Name", TEXT, const("Tumor Identification")),
        Variable("TUORRES", "Tumor/Lesion ID Result", TEXT, col("result"), codelist="TUORRES"),
        Variable(
            "TUSTRESC",
            "Tumor/Lesion ID Result Std. Format",
            TEXT,
            col("result"),
            codelist="TUORRES",
        ),
        Variable(
            "TULOC",
            "Location of the Tumor/Lesion",
            TEXT,
            col("loc"),
            codelist="TULOC",
            origin=origin(TargetLesion, "organ"),
        ),
        Variable(
            "TULOCDTL",
            "Location Detail",
            TEXT,
            col("locdtl"),
            origin=origin(TargetLesion, "location"),
            identifying=True,
        ),
        Variable(
            "TUMETHOD",
            "Method of Identification",
            TEXT,
            col("method"),
            codelist="TUMETHOD",
            origin=origin(TumourAssessment, "method"),
        ),
        Variable("TUEVAL", "Evaluator", TEXT, const("INVESTIGATOR")),
        Variable(
            "VISIT",
            "Visit Name",
            TEXT,
            col("visit"),
            codelist="VISIT",
            origin=origin(TumourAssessment, "calendar_code"),
        ),
        Variable(
            "TUDTC",
            "Date/Time of Tumor/Lesion Identification",
            DATE,
            col("date"),
            origin=origin(TumourAssessment, "assessment_date"),
        ),
        Variable(
            "TUNEWEQ",
            "New Lesion Equivocal",
            TEXT,
            col("equivocal"),
            codelist="NY",
            origin=origin(TumourAssessment, "new_lesion"),
            supplementary=True,
        ),
    ),
    codelists={
        "TUORRES": ((TARGET, "Target"), (NON_TARGET, "Non-target"), (NEW, "New")),
        "TULOC": tuple((_organ(code), label) for code, label in Organ.choices),
        "TUMETHOD": tuple((term, ImagingMethod(code).label) for code, term in METHODS.items()),
    },
)
