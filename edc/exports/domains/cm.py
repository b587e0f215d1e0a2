"""CM — Concomitant and Prior Medications: the medications recorded on the concomitant
medication form, the paclitaxel premedications stated at each infusion, and the prior
systemic cancer therapies of the screening form.

* ``CMCAT = "CONCOMITANT MEDICATION"``: one record per form entry. ``CMTRT`` is the name as
  written in the source (no drug dictionary is licensed: ``CMDECOD`` is empty), ``CMCLASCD``
  the WHO ATC code as the site gave it and ``CMCLAS`` its first-level anatomical main group.
* ``CMCAT = "PREMEDICATION"``: one record per premedication answered "Yes" on a paclitaxel
  administration (dexamethasone, H1 antihistamine, H2 blocker; ``CMPRESP = "Y"``, they are
  asked for by the protocol) and one per "other premedication" text. ``CMSTDTC`` and
  ``CMENDTC`` are the infusion's date; dose and route are not collected. A premedication
  answered "No" or not answered gives no record (it is not a medication taken).
* ``CMCAT = "PRIOR CANCER THERAPY"``: prior chemotherapy (adjuvant, neoadjuvant, metastatic)
  and hormonal therapy, following the SDTMIG oncology convention that prior anticancer drug
  therapy is in CM; ``CMDECOD`` is the type of therapy, ``CMSCAT`` its disease setting and
  ``CMTRT`` the regimen as described (the type when not described). Prior surgery,
  radiotherapy and "other" therapies are in MH (see ``mh``).

Ongoing: ``CMENRTPT = "ONGOING"`` with ``CMENTPT`` the anchor (the data cut-off of the
export for a concomitant medication, screening for a prior therapy).

Link to AE without RELREC: ``CMAESPID`` (supplementary) is the ``AESPID`` of the adverse event
the medication treats, so the two datasets join on USUBJID + CMAESPID = AESPID.

Free text (``CMTRT``, ``CMINDC``: the site's words) is withheld from de-identified readers,
like AE's specify text; ``CMDECOD``, ``CMCLASCD`` and ``CMCAT`` are coded and kept.
"""

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat, NullIf, Substr

from assessments.constants import DoseUnit, Frequency, Route
from assessments.models import ConcomitantMedication
from dosing.models import PaclitaxelAdministration
from patients.constants import PriorTherapyType
from patients.models import Patient, PriorTherapy

from .. import codelists as cl
from ..expressions import Terms
from ..spec import (
    DATE,
    FLOAT,
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

CM = ConcomitantMedication
PAC = PaclitaxelAdministration
PT = PriorTherapy

# The premedications the paclitaxel form asks for: (field, CMDECOD, ATC code or class).
PREMEDICATIONS: tuple[tuple[str, str, str], ...] = (
    ("premed_dexamethasone", "DEXAMETHASONE", "H02AB02"),
    ("premed_antihistamine", "H1 ANTIHISTAMINE", "R06A"),
    ("premed_h2_blocker", "H2 RECEPTOR ANTAGONIST", "A02BA"),
)
DATA_CUTOFF = "DATA CUT-OFF"
PREMED_INDICATION = "PACLITAXEL HYPERSENSITIVITY PROPHYLAXIS"
# Prior therapies given as drugs (the others are in MH).
SYSTEMIC_THERAPY: dict[str, str] = {
    PriorTherapyType.ADJUVANT_CHEMO: "ADJUVANT CHEMOTHERAPY",
    PriorTherapyType.NEOADJUVANT_CHEMO: "NEOADJUVANT CHEMOTHERAPY",
    PriorTherapyType.HORMONAL: "HORMONAL THERAPY",
    PriorTherapyType.METASTATIC_CHEMO: "CHEMOTHERAPY FOR METASTATIC DISEASE",
}
# WHO ATC first level: anatomical main groups.
ATC_GROUPS: dict[str, str] = {
    "A": "ALIMENTARY TRACT AND METABOLISM",
    "B": "BLOOD AND BLOOD FORMING ORGANS",
    "C": "CARDIOVASCULAR SYSTEM",
    "D": "DERMATOLOGICALS",
    "G": "GENITO URINARY SYSTEM AND SEX HORMONES",
    "H": "SYSTEMIC HORMONAL PREPARATIONS, EXCL. SEX HORMONES AND INSULINS",
    "J": "ANTIINFECTIVES FOR SYSTEMIC USE",
    "L": "ANTINEOPLASTIC AND IMMUNOMODULATING AGENTS",
    "M": "MUSCULO-SKELETAL SYSTEM",
    "N": "NERVOUS SYSTEM",
    "P": "ANTIPARASITIC PRODUCTS, INSECTICIDES AND REPELLENTS",
    "R": "RESPIRATORY SYSTEM",
    "S": "SENSORY ORGANS",
    "V": "VARIOUS",
}

TEXT_FIELD = models.CharField()
DOSE = models.DecimalField(max_digits=8, decimal_places=2)


def _none(field: models.Field) -> Value:
    """A column this part does not have: NULL, typed for the UNION."""
    return Value(None, output_field=field)


def _text(value: str) -> Value:
    return Value(value, output_field=TEXT_FIELD)


def _spid(prefix: str) -> Concat:
    return Concat(_text(prefix), Cast("id", TEXT_FIELD), output_field=TEXT_FIELD)


def _premedication(kind: int, field: str, decod: str, atc: str) -> Part:
    return Part(
        PAC,
        where=Q(**{field: True}),
        expressions={
            "kind": Value(kind),
            "sort_date": F("administration_date"),
            "spid": _spid(f"PAC-{kind}-"),
            "trt": _text(decod),
            "decod": _text(decod),
            "cat": _text(cl.PREMEDICATION),
            "scat": _none(TEXT_FIELD),
            "presp": _text("Y"),
            "atc": _text(atc),
            "indc": _text(PREMED_INDICATION),
            "cmdose": _none(DOSE),
            "cmdosu": _none(TEXT_FIELD),
            "cmroute": _none(TEXT_FIELD),
            "cmfreq": _none(TEXT_FIELD),
            "stop": F("administration_date"),
            "entpt": _none(TEXT_FIELD),
            "ae_id": _none(models.IntegerField()),
        },
    )


STREAM = Stream(
    parts=(
        Part(
            PT,
            where=Q(therapy_type__in=list(SYSTEMIC_THERAPY)),
            expressions={
                "kind": Value(0),
                "sort_date": F("start_date"),
                "spid": _spid("PT-"),
                "trt": Case(
                    When(~Q(description=""), then=F("description")),
                    default=Terms("therapy_type", SYSTEMIC_THERAPY),
                    output_field=TEXT_FIELD,
                ),
                "decod": Terms("therapy_type", SYSTEMIC_THERAPY),
                "cat": _text(cl.PRIOR_CANCER_THERAPY),
                "scat": Terms("setting", cl.SETTING_TERMS),
                "presp": _none(TEXT_FIELD),
                "atc": _none(TEXT_FIELD),
                "indc": _text("BREAST CANCER"),
                "cmdose": _none(DOSE),
                "cmdosu": _none(TEXT_FIELD),
                "cmroute": _none(TEXT_FIELD),
                "cmfreq": _none(TEXT_FIELD),
                "stop": F("end_date"),
                "entpt": Case(
                    When(end_date__isnull=True, then=_text(cl.SCREENING)),
                    default=_none(TEXT_FIELD),
                ),
                "ae_id": _none(models.IntegerField()),
            },
        ),
        Part(
            CM,
            expressions={
                "kind": Value(1),
                "sort_date": F("start_date"),
                "spid": _spid("CM-"),
                "trt": F("name"),
                "decod": _none(TEXT_FIELD),
                "cat": _text(cl.CONCOMITANT_MEDICATION),
                "scat": _none(TEXT_FIELD),
                "presp": _none(TEXT_FIELD),
                "atc": NullIf(F("atc_code"), _text("")),
                "indc": F("indication"),
                "cmdose": F("dose"),
                "cmdosu": Terms("unit", cl.UNIT_TERMS, keep=True),
                "cmroute": Terms("route", cl.ROUTE_TERMS, keep=True),
                "cmfreq": Terms("frequency", cl.FREQ_TERMS, keep=True),
                "stop": F("stop_date"),
                "entpt": Case(
                    When(ongoing=True, then=_text(DATA_CUTOFF)),
                    default=_none(TEXT_FIELD),
                ),
                "ae_id": F("adverse_event_id"),
            },
        ),
        *(
            _premedication(kind, field, decod, atc)
            for kind, (field, decod, atc) in enumerate(PREMEDICATIONS, start=2)
        ),
        Part(
            PAC,
            where=~Q(premed_other=""),
            expressions={
                "kind": Value(2 + len(PREMEDICATIONS)),
                "sort_date": F("administration_date"),
                "spid": _spid(f"PAC-{2 + len(PREMEDICATIONS)}-"),
                "trt": F("premed_other"),
                "decod": _none(TEXT_FIELD),
                "cat": _text(cl.PREMEDICATION),
                "scat": _none(TEXT_FIELD),
                "presp": _none(TEXT_FIELD),
                "atc": _none(TEXT_FIELD),
                "indc": _text(PREMED_INDICATION),
                "cmdose": _none(DOSE),
                "cmdosu": _none(TEXT_FIELD),
                "cmroute": _none(TEXT_FIELD),
                "cmfreq": _none(TEXT_FIELD),
                "stop": F("administration_date"),
                "entpt": _none(TEXT_FIELD),
                "ae_id": _none(models.IntegerField()),
            },
        ),
    ),
    # Per subject: by start date, prior therapies, then medications, then premedications.
    order_by=("sort_date", "kind", "id"),
)


DOMAIN = Domain(
    code="CM",
    stream=STREAM,
    label="Concomitant/Prior Medications",
    description=(
        "Concomitant medications as recorded (verbatim name, ATC code as given), paclitaxel "
        "premedications stated at each infusion, and prior systemic cancer therapy; CMAESPID "
        "links a medication to the AE (AESPID) it treats."
    ),
    keys=("STUDYID", "USUBJID", "CMCAT", "CMSTDTC", "CMSPID"),
    models=(Patient, ConcomitantMedication, PaclitaxelAdministration, PriorTherapy),
    variables=(
        *identifiers("CM", "CMSEQ"),
        Variable(
            "CMSPID",
            "Sponsor-Defined Identifier (form and record id)",
            TEXT,
            col("spid"),
            origin="derived: CM-<medication id>, PAC-<item>-<administration id>, PT-<id>",
        ),
        Variable(
            "CMTRT",
            "Reported Name of Drug, Med, or Therapy",
            TEXT,
            col("trt"),
            origin=f"{origin(CM, 'name')}; {origin(PAC, 'premed_*')}; {origin(PT, 'description')}",
            identifying=True,
        ),
        Variable(
            "CMDECOD",
            "Standardized Medication Name (premedications, prior therapy type)",
            TEXT,
            col("decod"),
            codelist="CMDECOD",
            origin="derived: premedication asked for; prior therapy type",
        ),
        Variable(
            "CMCAT",
            "Category for Medication",
            TEXT,
            col("cat"),
            codelist="CMCAT",
            origin="derived: the form the record comes from",
        ),
        Variable(
            "CMSCAT",
            "Subcategory for Medication (prior therapy setting)",
            TEXT,
            col("scat"),
            codelist="THSET",
            origin=origin(PT, "setting"),
        ),
        Variable(
            "CMPRESP",
            "CM Pre-specified",
            TEXT,
            col("presp"),
            codelist="NY",
            origin="derived: Y for the premedications the paclitaxel form asks for",
        ),
        Variable(
            "CMCLAS",
            "Medication Class (ATC anatomical main group)",
            TEXT,
            Terms(Substr("atc", 1, 1), ATC_GROUPS),
            origin="derived: first letter of the ATC code",
        ),
        Variable(
            "CMCLASCD",
            "Medication Class Code (ATC code as given)",
            TEXT,
            col("atc"),
            origin=origin(CM, "atc_code"),
        ),
        Variable(
            "CMINDC",
            "Indication",
            TEXT,
            col("indc"),
            origin=origin(CM, "indication"),
            identifying=True,
        ),
        Variable(
            "CMDOSE", "Dose per Administration", FLOAT, col("cmdose"), origin=origin(CM, "dose")
        ),
        Variable(
            "CMDOSU",
            "Dose Units",
            TEXT,
            col("cmdosu"),
            codelist="UNIT",
            origin=origin(CM, "unit"),
        ),
        Variable(
            "CMROUTE",
            "Route of Administration",
            TEXT,
            col("cmroute"),
            codelist="ROUTE",
            origin=origin(CM, "route"),
        ),
        Variable(
            "CMDOSFRQ",
            "Dosing Frequency per Interval",
            TEXT,
            col("cmfreq"),
            codelist="FREQ",
            origin=origin(CM, "frequency"),
        ),
        Variable(
            "CMSTDTC",
            "Start Date/Time of Medication",
            DATE,
            col("sort_date"),
            origin=f"{origin(CM, 'start_date')}; {origin(PAC, 'administration_date')}",
        ),
        Variable(
            "CMENDTC",
            "End Date/Time of Medication",
            DATE,
            col("stop"),
            origin=f"{origin(CM, 'stop_date')}; {origin(PAC, 'administration_date')}",
        ),
        Variable(
            "CMENRTPT",
            "End Relative to Reference Time Point",
            TEXT,
            Case(
                When(entpt__isnull=False, then=_text(cl.ONGOING)),
                default=_none(TEXT_FIELD),
            ),
            codelist="ENRTPT",
            origin="derived: ONGOING when the medication or therapy is ongoing",
        ),
        Variable(
            "CMENTPT",
            "End Reference Time Point",
            TEXT,
            col("entpt"),
            codelist="CMENTPT",
            origin="derived: DATA CUT-OFF (medication), SCREENING (prior therapy)",
        ),
        Variable(
            "CMAESPID",
            "AESPID of the Adverse Event Treated",
            INTEGER,
            col("ae_id"),
            origin=origin(CM, "adverse_event"),
            supplementary=True,
        ),
    ),
    codelists={
        "CMDECOD": (
            *((decod, decod.capitalize()) for _f, decod, _atc in PREMEDICATIONS),
            *((term, PriorTherapyType(code).label) for code, term in SYSTEMIC_THERAPY.items()),
        ),
        "CMCAT": (
            (cl.CONCOMITANT_MEDICATION, "Concomitant medication"),
            (cl.PREMEDICATION, "Paclitaxel premedication"),
            (cl.PRIOR_CANCER_THERAPY, "Prior cancer therapy"),
        ),
        "UNIT": tuple((term, DoseUnit(code).label) for code, term in cl.UNIT_TERMS.items()),
        "ROUTE": tuple((term, Route(code).label) for code, term in cl.ROUTE_TERMS.items()),
        "FREQ": tuple((term, Frequency(code).label) for code, term in cl.FREQ_TERMS.items()),
        "CMENTPT": ((DATA_CUTOFF, "Data cut-off of the export"), (cl.SCREENING, "Screening")),
    },
)
