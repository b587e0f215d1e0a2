"""SV — Subject Visits: each calendar event that happened (actual date) or was documented as
not done / cancelled, with its planned date and window (``patients.CalendarEvent``)."""

from django.db.models import Q

from edc import protocol
from patients.models import CalendarEvent, Patient

from ..codelists import SCREENING, VISITNUM, epoch_of
from ..spec import (
    DATE,
    INTEGER,
    TEXT,
    Domain,
    Part,
    Rec,
    Stream,
    Variable,
    col,
    identifiers,
    origin,
)

E = CalendarEvent
FIELDS = (
    "code",
    "label",
    "planned_date",
    "earliest",
    "latest",
    "actual_date",
    "not_done_reason",
    "cancelled_reason",
)
HAS_OUTCOME = Q(actual_date__isnull=False) | ~Q(not_done_reason="") | ~Q(cancelled_reason="")


STREAM = Stream(
    parts=(Part(E, FIELDS, where=HAS_OUTCOME),), order_by=("planned_date", "code"), numbered=False
)

# Per visit code, for the SQL rendering (edc.exports.pgcsv): the same lookups as below.
STUDY_DAY = {event.code: event.study_day for event in protocol.PLANNED_EVENTS}
EPOCHS = {code: epoch_of(code) for code in {*VISITNUM, *STUDY_DAY, "SCR", SCREENING}}


def _visitdy(rec: Rec):
    event = protocol.PLANNED_EVENTS_BY_CODE.get(rec.data["code"])
    return event.study_day if event else None


def _occurred(rec: Rec) -> str:
    return "Y" if rec.data["actual_date"] else "N"


def _reason(rec: Rec):
    return rec.data["not_done_reason"] or rec.data["cancelled_reason"] or None


def _reason_sql(c) -> str:
    reason = (
        f"COALESCE(NULLIF({c.ref('not_done_reason')}, ''), NULLIF({c.ref('cancelled_reason')}, ''))"
    )
    return c.text_cell(reason)


DOMAIN = Domain(
    code="SV",
    records=STREAM.records,
    stream=STREAM,
    label="Subject Visits",
    description=(
        "Calendar events (paclitaxel and IMP321 days, tumour assessments, immune draws) that "
        "happened or were documented as not done or cancelled; planned dates and windows follow "
        "the patient's actual dates."
    ),
    keys=("STUDYID", "USUBJID", "VISITNUM"),
    models=(Patient, CalendarEvent),
    variables=(
        *identifiers("SV", None),
        Variable(
            "VISITNUM",
            "Visit Number",
            INTEGER,
            lambda r: VISITNUM.get(r.data["code"]),
            sql=lambda c: c.lookup("code", VISITNUM, None, INTEGER),
            origin="edc.protocol.PLANNED_EVENTS order",
        ),
        Variable(
            "VISIT", "Visit Name", TEXT, col("code"), codelist="VISIT", origin=origin(E, "code")
        ),
        Variable(
            "VISITDY",
            "Planned Study Day of Visit",
            INTEGER,
            _visitdy,
            sql=lambda c: c.lookup("code", STUDY_DAY, None, INTEGER),
            origin="edc.protocol.PLANNED_EVENTS study_day",
        ),
        Variable(
            "EPOCH",
            "Epoch",
            TEXT,
            lambda r: epoch_of(r.data["code"]),
            sql=lambda c: c.lookup("code", EPOCHS, ""),
            codelist="EPOCH",
        ),
        Variable(
            "SVSTDTC",
            "Start Date/Time of Visit",
            DATE,
            col("actual_date"),
            origin=origin(E, "actual_date"),
        ),
        Variable(
            "SVENDTC",
            "End Date/Time of Visit",
            DATE,
            col("actual_date"),
            origin=origin(E, "actual_date"),
        ),
        Variable(
            "SVOCCUR",
            "Occurrence",
            TEXT,
            _occurred,
            sql=lambda c: f"CASE WHEN {c.ref('actual_date')} IS NULL THEN 'N' ELSE 'Y' END",
            codelist="NY",
            origin="derived: actual date",
        ),
        Variable(
            "SVREASOC",
            "Reason for Occur Value",
            TEXT,
            _reason,
            sql=_reason_sql,
            origin=origin(E, "not_done_reason"),
            identifying=True,
        ),
        Variable(
            "SVPLDTC",
            "Planned Date of Visit",
            DATE,
            col("planned_date"),
            origin=origin(E, "planned_date"),
            supplementary=True,
        ),
        Variable(
            "SVWINLO",
            "Earliest Date of the Visit Window",
            DATE,
            col("earliest"),
            origin=origin(E, "earliest"),
            supplementary=True,
        ),
        Variable(
            "SVWINHI",
            "Latest Date of the Visit Window",
            DATE,
            col("latest"),
            origin=origin(E, "latest"),
            supplementary=True,
        ),
    ),
)
