"""MH — Medical History: the conditions of the screening medical history form and the prior
cancer therapies that are not drugs.

* ``MHCAT = "GENERAL MEDICAL HISTORY"``: one record per condition. ``MHTERM`` is the condition
  as written in the source; ``MHDECOD``/``MHPTCD``/``MHBODSYS`` its CTCAE v5.0 term, MedDRA
  code and system organ class when the site chose one (as AE's AEDECOD/AEPTCD/AEBODSYS), empty
  otherwise.
* ``MHCAT = "PRIOR CANCER THERAPY"``: prior breast cancer surgery, radiotherapy and "other"
  prior therapy, ``MHSCAT`` the type of therapy and ``MHTHSET`` (supplementary) its disease
  setting. SDTMIG would put surgery and radiotherapy in PR (Procedures); this package has no
  PR dataset, and the statisticians read them as history of the disease before the trial, so
  they are kept here, each with its own category, to be moved to PR for a submission. Prior
  chemotherapy and hormonal therapy are drugs: they are in CM (``CMCAT = "PRIOR CANCER
  THERAPY"``), as SDTMIG's oncology convention has it.

Ongoing: ``MHENRTPT = "ONGOING"`` with ``MHENTPT = "SCREENING"`` (ongoing at screening, or a
prior therapy with no end date).

Free text (``MHTERM``: the site's words, or a prior therapy's description) is withheld from
de-identified readers, like AE's specify text; the coded variables are kept.
"""

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat, NullIf

from patients.constants import PriorTherapyType
from patients.models import MedicalHistory, Patient, PriorTherapy

from .. import codelists as cl
from ..expressions import Terms
from ..spec import DATE, TEXT, Domain, Part, Stream, Variable, col, identifiers, origin
from .ae import _soc_by_code
from .cm import SYSTEMIC_THERAPY

MH = MedicalHistory
PT = PriorTherapy

# Prior therapies that are not drugs (the others are in CM).
OTHER_THERAPY: dict[str, str] = {
    PriorTherapyType.SURGERY: "BREAST CANCER SURGERY",
    PriorTherapyType.RADIOTHERAPY: "RADIOTHERAPY",
    PriorTherapyType.OTHER: "OTHER PRIOR CANCER THERAPY",
}
assert not set(OTHER_THERAPY) & set(SYSTEMIC_THERAPY)
assert {*OTHER_THERAPY, *SYSTEMIC_THERAPY} == set(PriorTherapyType.values)

TEXT_FIELD = models.CharField()


def _none() -> Value:
    return Value(None, output_field=TEXT_FIELD)


def _text(value: str) -> Value:
    return Value(value, output_field=TEXT_FIELD)


def _spid(prefix: str) -> Concat:
    return Concat(_text(prefix), Cast("id", TEXT_FIELD), output_field=TEXT_FIELD)


STREAM = Stream(
    parts=(
        Part(
            MH,
            expressions={
                "kind": Value(0),
                "spid": _spid("MH-"),
                "term": F("condition"),
                "decod": NullIf(F("meddra_term"), _text("")),
                "code": NullIf(F("meddra_code"), _text("")),
                "cat": _text(cl.GENERAL_MEDICAL_HISTORY),
                "scat": _none(),
                "thset": _none(),
                "stop": F("end_date"),
            },
        ),
        Part(
            PT,
            where=Q(therapy_type__in=list(OTHER_THERAPY)),
            expressions={
                "kind": Value(1),
                "spid": _spid("PT-"),
                "term": Case(
                    When(~Q(description=""), then=F("description")),
                    default=Terms("therapy_type", OTHER_THERAPY),
                    output_field=TEXT_FIELD,
                ),
                "decod": _none(),
                "code": _none(),
                "cat": _text(cl.PRIOR_CANCER_THERAPY),
                "scat": Terms("therapy_type", OTHER_THERAPY),
                "thset": Terms("setting", cl.SETTING_TERMS),
                "stop": F("end_date"),
            },
        ),
    ),
    # Per subject: by start date, history before prior therapy on the same day.
    order_by=("start_date", "kind", "id"),
)


DOMAIN = Domain(
    code="MH",
    stream=STREAM,
    label="Medical History",
    description=(
        "Medical history at screening (verbatim condition, CTCAE v5.0 / MedDRA term when "
        "chosen) and prior breast cancer surgery, radiotherapy and other non-drug therapy."
    ),
    keys=("STUDYID", "USUBJID", "MHCAT", "MHSTDTC", "MHSPID"),
    models=(Patient, MedicalHistory, PriorTherapy),
    variables=(
        *identifiers("MH", "MHSEQ"),
        Variable(
            "MHSPID",
            "Sponsor-Defined Identifier (form and record id)",
            TEXT,
            col("spid"),
            origin="derived: MH-<medical history id>, PT-<prior therapy id>",
        ),
        Variable(
            "MHTERM",
            "Reported Term for the Medical History",
            TEXT,
            col("term"),
            origin=f"{origin(MH, 'condition')}; {origin(PT, 'description')}",
            identifying=True,
        ),
        Variable(
            "MHDECOD",
            "Dictionary-Derived Term (CTCAE v5.0 / MedDRA)",
            TEXT,
            col("decod"),
            origin=origin(MH, "meddra_term"),
        ),
        Variable(
            "MHPTCD",
            "MedDRA Code",
            TEXT,
            col("code"),
            origin=origin(MH, "meddra_code"),
        ),
        Variable(
            "MHBODSYS",
            "Body System or Organ Class (MedDRA SOC)",
            TEXT,
            Terms("code", _soc_by_code()),
            origin="assessments/data/ctcae_v5.json (MedDRA SOC of the term)",
        ),
        Variable(
            "MHCAT",
            "Category for Medical History",
            TEXT,
            col("cat"),
            codelist="MHCAT",
            origin="derived: the form the record comes from",
        ),
        Variable(
            "MHSCAT",
            "Subcategory for Medical History (type of prior therapy)",
            TEXT,
            col("scat"),
            codelist="MHSCAT",
            origin=origin(PT, "therapy_type"),
        ),
        Variable(
            "MHSTDTC",
            "Start Date/Time of Medical History Event",
            DATE,
            col("start_date"),
            origin=f"{origin(MH, 'start_date')}; {origin(PT, 'start_date')}",
        ),
        Variable(
            "MHENDTC",
            "End Date/Time of Medical History Event",
            DATE,
            col("stop"),
            origin=f"{origin(MH, 'end_date')}; {origin(PT, 'end_date')}",
        ),
        Variable(
            "MHENRTPT",
            "End Relative to Reference Time Point",
            TEXT,
            Case(When(stop__isnull=True, then=_text(cl.ONGOING)), default=_none()),
            codelist="ENRTPT",
            origin="derived: ONGOING when ongoing at screening (no end date)",
        ),
        Variable(
            "MHENTPT",
            "End Reference Time Point",
            TEXT,
            Case(When(stop__isnull=True, then=_text(cl.SCREENING)), default=_none()),
            codelist="MHENTPT",
            origin="derived: SCREENING when ongoing",
        ),
        Variable(
            "MHTHSET",
            "Disease Setting of the Prior Therapy",
            TEXT,
            col("thset"),
            codelist="THSET",
            origin=origin(PT, "setting"),
            supplementary=True,
        ),
    ),
    codelists={
        "MHCAT": (
            (cl.GENERAL_MEDICAL_HISTORY, "General medical history"),
            (cl.PRIOR_CANCER_THERAPY, "Prior cancer therapy"),
        ),
        "MHSCAT": tuple(
            (term, PriorTherapyType(code).label) for code, term in OTHER_THERAPY.items()
        ),
        "MHENTPT": ((cl.SCREENING, "Screening"),),
    },
)
