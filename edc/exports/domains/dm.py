"""DM — Demographics: one row per patient screened (screen failures included)."""

from collections.abc import Iterator

from django.db.models import Max, Min, Q

from assessments.models import AdverseEvent
from dosing.constants import AdministrationStatus, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from patients.constants import EndReason, PatientStatus
from patients.models import Consent, Patient

from ..context import NOT_TREATED_ARMCD, ExportContext, merge_by_subject
from ..spec import DATE, FLOAT, INTEGER, TEXT, Domain, Rec, Variable, identifiers, origin

P = Patient


def _first(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _last(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def records(ctx: ExportContext) -> Iterator[Rec]:
    consents = ctx.aggregate(Consent, first=Min("consent_date"))
    paclitaxel = ctx.aggregate(
        PaclitaxelAdministration,
        where=Q(status=AdministrationStatus.GIVEN),
        first=Min("administration_date"),
        last=Max("administration_date"),
    )
    imp321 = ctx.aggregate(
        Imp321Injection,
        where=Q(status=InjectionStatus.GIVEN),
        first=Min("injected_at__date"),
        last=Max("injected_at__date"),
    )
    deaths = ctx.aggregate(AdverseEvent, where=Q(death_date__isnull=False), first=Min("death_date"))
    merged = merge_by_subject(
        ctx.subjects(), consent=consents, pac=paclitaxel, imp=imp321, death=deaths
    )
    for subject, groups in merged:
        row = dict(subject.row)
        pac = groups["pac"][0] if groups["pac"] else {"first": None, "last": None}
        imp = groups["imp"][0] if groups["imp"] else {"first": None, "last": None}
        row["rficdtc"] = groups["consent"][0]["first"] if groups["consent"] else None
        row["rfxstdtc"] = _first(pac["first"], imp["first"])
        row["rfxendtc"] = _last(pac["last"], imp["last"])
        death = groups["death"][0]["first"] if groups["death"] else None
        if death is None and row["end_of_study_reason"] == EndReason.DEATH:
            death = row["end_of_study_date"]
        row["dthdtc"] = death
        treated = row["rfxstdtc"] is not None
        row["actarmcd"] = subject.armcd if treated or not row["cohort_id"] else NOT_TREATED_ARMCD
        yield Rec(subject, None, row)


def _age(rec: Rec):
    row = rec.data
    return row["screening_date"].year - row["year_of_birth"]


def _actarm(rec: Rec) -> str:
    return "Not Treated" if rec.data["actarmcd"] == NOT_TREATED_ARMCD else rec.subject.arm


DOMAIN = Domain(
    code="DM",
    records=records,
    label="Demographics",
    description="One record per patient screened, enrolled or not (screen failures included).",
    keys=("STUDYID", "USUBJID"),
    models=(Patient, Consent, PaclitaxelAdministration, Imp321Injection, AdverseEvent),
    variables=(
        *identifiers("DM", None),
        Variable(
            "SUBJID",
            "Subject Identifier for the Study",
            TEXT,
            lambda r: r.subject.subjid or None,
            origin=origin(P, "subject_id"),
        ),
        Variable(
            "RFSTDTC",
            "Subject Reference Start Date/Time (C1D1)",
            DATE,
            lambda r: r.data["c1d1_date"],
            origin=origin(P, "c1d1_date"),
        ),
        Variable(
            "RFENDTC",
            "Subject Reference End Date/Time (end of treatment)",
            DATE,
            lambda r: r.data["end_of_treatment_date"],
            origin=origin(P, "end_of_treatment_date"),
        ),
        Variable(
            "RFXSTDTC",
            "Date/Time of First Study Treatment",
            DATE,
            lambda r: r.data["rfxstdtc"],
            origin="derived: first paclitaxel or IMP321 dose given",
        ),
        Variable(
            "RFXENDTC",
            "Date/Time of Last Study Treatment",
            DATE,
            lambda r: r.data["rfxendtc"],
            origin="derived: last paclitaxel or IMP321 dose given",
        ),
        Variable(
            "RFICDTC",
            "Date/Time of Informed Consent",
            DATE,
            lambda r: r.data["rficdtc"],
            origin="derived: first patients.consent.consent_date",
        ),
        Variable(
            "RFPENDTC",
            "Date/Time of End of Participation",
            DATE,
            lambda r: r.data["end_of_study_date"],
            origin=origin(P, "end_of_study_date"),
        ),
        Variable(
            "DTHDTC",
            "Date/Time of Death",
            DATE,
            lambda r: r.data["dthdtc"],
            origin="derived: grade 5 AE death date, else end of study for death",
        ),
        Variable(
            "DTHFL",
            "Subject Death Flag",
            TEXT,
            lambda r: "Y" if r.data["dthdtc"] else None,
            codelist="NY",
            origin="derived: Y when DTHDTC is known",
        ),
        Variable(
            "SITEID",
            "Study Site Identifier",
            TEXT,
            lambda r: r.subject.siteid,
            origin="access.site.code",
        ),
        Variable(
            "BRTHDTC",
            "Date/Time of Birth (year only)",
            DATE,
            lambda r: f"{r.data['year_of_birth']:04d}",
            origin=origin(P, "year_of_birth"),
            identifying=True,
        ),
        Variable(
            "AGE",
            "Age",
            INTEGER,
            _age,
            unit="YEARS",
            origin="derived: screening year - year of birth",
        ),
        Variable("AGEU", "Age Units", TEXT, lambda r: "YEARS", codelist="AGEU"),
        Variable(
            "SEX", "Sex", TEXT, lambda r: r.data["sex"], codelist="SEX", origin=origin(P, "sex")
        ),
        Variable(
            "ARMCD",
            "Planned Arm Code (dose cohort)",
            TEXT,
            lambda r: r.subject.armcd,
            codelist="ARMCD",
            origin=origin(P, "cohort"),
        ),
        Variable(
            "ARM",
            "Description of Planned Arm",
            TEXT,
            lambda r: r.subject.arm,
            origin="edc.protocol.COHORTS",
        ),
        Variable(
            "ACTARMCD",
            "Actual Arm Code",
            TEXT,
            lambda r: r.data["actarmcd"],
            codelist="ACTARMCD",
            origin="derived: ARMCD, NOTTRT when no dose was given",
        ),
        Variable("ACTARM", "Description of Actual Arm", TEXT, _actarm, origin="derived"),
        Variable(
            "COUNTRY", "Country", TEXT, lambda r: r.subject.country, origin="access.site.country"
        ),
        Variable(
            "COHDOSE",
            "IMP321 Cohort Dose",
            FLOAT,
            lambda r: r.subject.cohort_dose_mg,
            unit="mg",
            origin="edc.protocol.COHORTS",
            supplementary=True,
        ),
        Variable(
            "ENRLDTC",
            "Date of Enrolment",
            DATE,
            lambda r: r.data["enrolled_on"],
            origin=origin(P, "enrolled_on"),
            supplementary=True,
        ),
        Variable(
            "DMSTAT",
            "Patient Status",
            TEXT,
            lambda r: r.data["status"].upper(),
            codelist="DMSTAT",
            origin=origin(P, "status"),
            supplementary=True,
        ),
    ),
    codelists={"DMSTAT": tuple((value.upper(), label) for value, label in PatientStatus.choices)},
)
