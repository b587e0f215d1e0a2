"""SV — Subject Visits: each calendar event that happened (actual date) or was documented as
not done / cancelled, with its planned date and window (``patients.CalendarEvent``)."""

from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Coalesce

from edc import protocol
from patients.models import CalendarEvent, Patient

from ..codelists import SCREENING, VISITNUM, epoch_of
from ..expressions import Terms, nonblank
from ..spec import (
    DATE,
    INTEGER,
    TEXT,
    Domain,
    Part,
    Stream,
    Variable,
    col,
    identifiers,
    origin,
)

E = CalendarEvent
HAS_OUTCOME = Q(actual_date__isnull=False) | ~Q(not_done_reason="") | ~Q(cancelled_reason="")


STREAM = Stream(
    parts=(Part(E, where=HAS_OUTCOME),), order_by=("planned_date", "code"), numbered=False
)

# Per visit code: the planned study day and the epoch.
STUDY_DAY = {event.code: event.study_day for event in protocol.PLANNED_EVENTS}
EPOCHS = {code: epoch_of(code) for code in {*VISITNUM, *STUDY_DAY, "SCR", SCREENING}}
OCCURRED = Case(When(actual_date__isnull=True, then=Value("N")), default=Value("Y"))
REASON = Coalesce(
    nonblank("not_done_reason"), nonblank("cancelled_reason"), output_field=CharField()
)


DOMAIN = Domain(
    code="SV",
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
            Terms("code", VISITNUM),
            origin="edc.protocol.PLANNED_EVENTS order",
        ),
        Variable(
            "VISIT", "Visit Name", TEXT, col("code"), codelist="VISIT", origin=origin(E, "code")
        ),
        Variable(
            "VISITDY",
            "Planned Study Day of Visit",
            INTEGER,
            Terms("code", STUDY_DAY),
            origin="edc.protocol.PLANNED_EVENTS study_day",
        ),
        Variable(
            "EPOCH",
            "Epoch",
            TEXT,
            Terms("code", EPOCHS, default=""),
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
            OCCURRED,
            codelist="NY",
            origin="derived: actual date",
        ),
        Variable(
            "SVREASOC",
            "Reason for Occur Value",
            TEXT,
            REASON,
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
