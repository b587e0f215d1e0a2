"""DV — Protocol Deviations found by the deviation rules (edc/deviations/rules/)."""

from edc import protocol
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from patients.models import Patient

from ..spec import (
    DATE,
    TEXT,
    Domain,
    Part,
    Stream,
    Variable,
    col,
    identifiers,
    mapped,
    nonblank,
    origin,
)

D = Deviation

# Rule codes, severities and review statuses as CDISC-style terms (upper case).
RULE_TERMS: dict[str, str] = {rule: rule.upper() for rule in protocol.DEVIATION_SEVERITY}
SEVERITY_TERMS: dict[str, str] = {s: s.upper() for s in (protocol.MAJOR, protocol.MINOR)}
STATUS_TERMS: dict[str, str] = {value: value.upper() for value in DeviationStatus.values}

STREAM = Stream(parts=(Part(D),), order_by=("detected_at", "id"))


DOMAIN = Domain(
    code="DV",
    stream=STREAM,
    label="Protocol Deviations",
    description=(
        "Deviations raised by the automatic protocol checks, with their rule, the severity the "
        "protocol gives that rule, and review status."
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
            mapped("rule", RULE_TERMS),
            codelist="DVDECOD",
            origin=origin(D, "rule"),
        ),
        Variable(
            "DVCAT",
            "Category for Protocol Deviation",
            TEXT,
            mapped("severity", SEVERITY_TERMS),
            codelist="DVCAT",
            origin=origin(D, "severity"),
        ),
        Variable(
            "DVSTDTC",
            "Start Date/Time of Deviation (detected)",
            DATE,
            col("detected_at"),
            origin=origin(D, "detected_at"),
        ),
        Variable(
            "DVSTAT",
            "Review Status",
            TEXT,
            mapped("status", STATUS_TERMS),
            codelist="DVSTAT",
            origin=origin(D, "status"),
            supplementary=True,
        ),
        Variable(
            "DVCOMM",
            "Review Comment",
            TEXT,
            nonblank("status_comment"),
            origin=origin(D, "status_comment"),
            identifying=True,
            supplementary=True,
        ),
    ),
    codelists={
        "DVDECOD": tuple((term, rule.replace("_", " ")) for rule, term in RULE_TERMS.items()),
        "DVCAT": (
            (SEVERITY_TERMS[protocol.MAJOR], "Major"),
            (SEVERITY_TERMS[protocol.MINOR], "Minor"),
        ),
        "DVSTAT": tuple((STATUS_TERMS[value], label) for value, label in DeviationStatus.choices),
    },
)
