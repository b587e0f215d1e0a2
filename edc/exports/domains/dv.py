"""DV — Protocol Deviations found by the deviation rules (edc/deviations/rules/)."""

from collections.abc import Iterator

from edc import protocol
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from patients.models import Patient

from ..context import ExportContext, merge_by_subject
from ..spec import DATE, TEXT, Domain, Rec, Variable, col, identifiers, numbered, origin

D = Deviation
FIELDS = (
    "id",
    "rule",
    "severity",
    "subject_key",
    "summary",
    "detected_at",
    "status",
    "status_comment",
)


def records(ctx: ExportContext) -> Iterator[Rec]:
    deviations = ctx.stream(D, FIELDS, order_by=("detected_at", "id"))
    for subject, groups in merge_by_subject(ctx.subjects(), dv=deviations):
        yield from numbered(subject, groups["dv"])


DOMAIN = Domain(
    code="DV",
    records=records,
    label="Protocol Deviations",
    description=(
        "Deviations raised by the automatic protocol checks, with their rule, severity "
        "(edc.protocol.DEVIATION_SEVERITY) and review status."
    ),
    keys=("STUDYID", "USUBJID", "DVSTDTC", "DVDECOD"),
    models=(Patient, Deviation),
    variables=(
        *identifiers("DV", "DVSEQ"),
        Variable(
            "DVREFID",
            "Reference ID (what the finding is about)",
            TEXT,
            col("subject_key"),
            origin=origin(D, "subject_key"),
        ),
        Variable(
            "DVTERM",
            "Protocol Deviation Term",
            TEXT,
            col("summary"),
            origin=origin(D, "summary"),
        ),
        Variable(
            "DVDECOD",
            "Protocol Deviation Coded Term",
            TEXT,
            lambda r: r.data["rule"].upper(),
            codelist="DVDECOD",
            origin=origin(D, "rule"),
        ),
        Variable(
            "DVCAT",
            "Category for Protocol Deviation",
            TEXT,
            lambda r: r.data["severity"].upper(),
            codelist="DVCAT",
            origin=origin(D, "severity"),
        ),
        Variable(
            "DVSTDTC",
            "Start Date/Time of Deviation (detected)",
            DATE,
            lambda r: r.data["detected_at"],
            origin=origin(D, "detected_at"),
        ),
        Variable(
            "DVSTAT",
            "Review Status",
            TEXT,
            lambda r: r.data["status"].upper(),
            codelist="DVSTAT",
            origin=origin(D, "status"),
            supplementary=True,
        ),
        Variable(
            "DVCOMM",
            "Review Comment",
            TEXT,
            lambda r: r.data["status_comment"] or None,
            origin=origin(D, "status_comment"),
            identifying=True,
            supplementary=True,
        ),
    ),
    codelists={
        "DVDECOD": tuple(
            (rule.upper(), rule.replace("_", " ")) for rule in protocol.DEVIATION_SEVERITY
        ),
        "DVCAT": ((protocol.MAJOR.upper(), "Major"), (protocol.MINOR.upper(), "Minor")),
        "DVSTAT": tuple((value.upper(), label) for value, label in DeviationStatus.choices),
    },
)
