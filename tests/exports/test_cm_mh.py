"""CM and MH datasets: concomitant medications, paclitaxel premedications and prior cancer
therapy (CM); medical history and prior non-drug cancer therapy (MH).

The same records give the same bytes on PostgreSQL (``COPY``) and SQLite (cursor and Python
writers): each test asserts the exact CSV, and on PostgreSQL the COPY rendering is also held to
the Python writers' bytes.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from assessments.models import AdverseEvent
from assessments.services import concomitant_medications as conmeds
from dosing import services as dosing_services
from edc import protocol
from edc.exports import pgcsv
from edc.exports.context import ExportContext, in_read_transaction
from edc.exports.datasets import dataset_bytes
from edc.exports.domains import cm, mh
from edc.exports.tabular import codelists
from edc.exports.writers import RowCount, csv_bytes
from patients import services as patient_services
from tests.factories import paclitaxel_data

D = dt.date
CM_HEADER = (
    "STUDYID,DOMAIN,USUBJID,CMSEQ,CMSPID,CMTRT,CMDECOD,CMCAT,CMSCAT,CMPRESP,CMCLAS,CMCLASCD,"
    "CMINDC,CMDOSE,CMDOSU,CMROUTE,CMDOSFRQ,CMSTDTC,CMENDTC,CMENRTPT,CMENTPT,CMAESPID"
)
MH_HEADER = (
    "STUDYID,DOMAIN,USUBJID,MHSEQ,MHSPID,MHTERM,MHDECOD,MHPTCD,MHBODSYS,MHCAT,MHSCAT,MHSTDTC,"
    "MHENDTC,MHENRTPT,MHENTPT,MHTHSET"
)
# Withheld from a de-identified reader: the site's free text.
CM_FREE_TEXT = ("CMTRT", "CMINDC")
MH_FREE_TEXT = ("MHTERM",)


def usubjid(patient) -> str:
    return f"{protocol.TRIAL_ID}-{patient.subject_id}"


def export(domain, ctx) -> bytes:
    """The CSV for ``ctx``; on PostgreSQL, COPY's bytes are first held to the Python writers'."""
    variables = domain.variables_for(deidentified=ctx.deidentified)
    data = b"".join(in_read_transaction(dataset_bytes(domain, ctx, "csv", RowCount())))
    if connection.vendor == "postgresql":
        assert pgcsv.plan(domain, variables, ctx) is not None
        slow = b"".join(in_read_transaction(csv_bytes(variables, domain.rows(ctx), RowCount())))
        assert data == slow
    return data


def expected(header: str, rows: list[list[str]], *, drop: tuple[str, ...] = ()) -> bytes:
    names = header.split(",")
    keep = [i for i, name in enumerate(names) if name not in drop]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([names[i] for i in keep])
    for row in rows:
        assert len(row) == len(names)
        writer.writerow([row[i] for i in keep])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def records(trial, investigator):
    """On the treated patient: two conmeds (one for its AE), medical history, prior therapy;
    on the enrolled patient: a paclitaxel dose with premedications."""
    treated, plain = trial.treated, trial.enrolled
    c1d1 = treated.c1d1_date
    ae = AdverseEvent.objects.get(patient=treated)
    filgrastim = conmeds.conmed_create(
        user=investigator,
        patient=treated,
        name="Filgrastim (Neupogen)",
        atc_code="l03aa02",
        indication="Neutropenia",
        dose=Decimal("0.30"),
        unit="mg",
        route="sc",
        frequency="daily",
        start_date=c1d1 + dt.timedelta(days=10),
        ongoing=False,
        stop_date=c1d1 + dt.timedelta(days=14),
        adverse_event=ae,
    )
    paracetamol = conmeds.conmed_create(
        user=investigator,
        patient=treated,
        name="Paracetamol, 1 g",
        indication="Bone pain",
        dose=Decimal("1000"),
        unit="mg",
        route="oral",
        frequency="prn",
        start_date=c1d1 - dt.timedelta(days=30),
        ongoing=True,
    )
    hypertension = patient_services.medical_history_create(
        user=investigator,
        patient=treated,
        condition="High blood pressure",
        meddra_code="10020772",
        start_date=D(2019, 3, 1),
        ongoing=True,
    )
    appendicitis = patient_services.medical_history_create(
        user=investigator,
        patient=treated,
        condition="Appendicectomy (child)",
        start_date=D(1990, 6, 1),
        ongoing=False,
        end_date=D(1990, 6, 15),
    )
    surgery = patient_services.prior_therapy_create(
        user=investigator,
        patient=treated,
        therapy_type="surgery",
        setting="early",
        start_date=D(2018, 1, 10),
        end_date=D(2018, 1, 10),
        description="Left mastectomy",
    )
    chemo = patient_services.prior_therapy_create(
        user=investigator,
        patient=treated,
        therapy_type="adjuvant_chemo",
        setting="early",
        start_date=D(2018, 2, 1),
        end_date=D(2018, 6, 1),
    )
    hormonal = patient_services.prior_therapy_create(
        user=investigator,
        patient=treated,
        therapy_type="hormonal",
        setting="early",
        start_date=D(2018, 7, 1),
        description="Tamoxifen 20 mg daily",
    )
    dose = dosing_services.paclitaxel_record(
        user=investigator,
        patient=plain,
        event_code="PAC-C1D1",
        data=paclitaxel_data(
            plain.c1d1_date,
            premed_dexamethasone=True,
            premed_antihistamine=False,
            premed_h2_blocker=True,
            premed_other="Ondansetron 8 mg IV",
        ),
    )
    return {
        "ae": ae,
        "filgrastim": filgrastim,
        "paracetamol": paracetamol,
        "hypertension": hypertension,
        "appendicitis": appendicitis,
        "surgery": surgery,
        "chemo": chemo,
        "hormonal": hormonal,
        "dose": dose,
    }


def cm_rows(trial, r) -> list[list[str]]:
    treated, plain = usubjid(trial.treated), usubjid(trial.enrolled)
    c1d1, day = trial.treated.c1d1_date, trial.enrolled.c1d1_date.isoformat()
    pid = r["dose"].pk
    indication = cm.PREMED_INDICATION
    return [
        # Treated patient: by start date, prior therapy before medications.
        [protocol.TRIAL_ID, "CM", treated, "1", f"PT-{r['chemo'].pk}", "ADJUVANT CHEMOTHERAPY",
         "ADJUVANT CHEMOTHERAPY", "PRIOR CANCER THERAPY", "EARLY BREAST CANCER", "", "", "",
         "BREAST CANCER", "", "", "", "", "2018-02-01", "2018-06-01", "", "", ""],
        [protocol.TRIAL_ID, "CM", treated, "2", f"PT-{r['hormonal'].pk}", "Tamoxifen 20 mg daily",
         "HORMONAL THERAPY", "PRIOR CANCER THERAPY", "EARLY BREAST CANCER", "", "", "",
         "BREAST CANCER", "", "", "", "", "2018-07-01", "", "ONGOING", "SCREENING", ""],
        [protocol.TRIAL_ID, "CM", treated, "3", f"CM-{r['paracetamol'].pk}", "Paracetamol, 1 g",
         "", "CONCOMITANT MEDICATION", "", "", "", "", "Bone pain", "1000", "mg", "ORAL", "PRN",
         (c1d1 - dt.timedelta(days=30)).isoformat(), "", "ONGOING", "DATA CUT-OFF", ""],
        [protocol.TRIAL_ID, "CM", treated, "4", f"CM-{r['filgrastim'].pk}",
         "Filgrastim (Neupogen)", "", "CONCOMITANT MEDICATION", "", "",
         "ANTINEOPLASTIC AND IMMUNOMODULATING AGENTS", "L03AA02", "Neutropenia", "0.3", "mg",
         "SUBCUTANEOUS", "QD", (c1d1 + dt.timedelta(days=10)).isoformat(),
         (c1d1 + dt.timedelta(days=14)).isoformat(), "", "", str(r["ae"].pk)],
        # Enrolled patient: the premedications answered "Yes" and the other one, in form order.
        [protocol.TRIAL_ID, "CM", plain, "1", f"PAC-2-{pid}", "DEXAMETHASONE", "DEXAMETHASONE",
         "PREMEDICATION", "", "Y", "SYSTEMIC HORMONAL PREPARATIONS, EXCL. SEX HORMONES AND "
         "INSULINS", "H02AB02", indication, "", "", "", "", day, day, "", "", ""],
        [protocol.TRIAL_ID, "CM", plain, "2", f"PAC-4-{pid}", "H2 RECEPTOR ANTAGONIST",
         "H2 RECEPTOR ANTAGONIST", "PREMEDICATION", "", "Y", "ALIMENTARY TRACT AND METABOLISM",
         "A02BA", indication, "", "", "", "", day, day, "", "", ""],
        [protocol.TRIAL_ID, "CM", plain, "3", f"PAC-5-{pid}", "Ondansetron 8 mg IV", "",
         "PREMEDICATION", "", "", "", "", indication, "", "", "", "", day, day, "", "", ""],
    ]  # fmt: skip


def mh_rows(trial, r) -> list[list[str]]:
    treated = usubjid(trial.treated)
    return [
        [protocol.TRIAL_ID, "MH", treated, "1", f"MH-{r['appendicitis'].pk}",
         "Appendicectomy (child)", "", "", "", "GENERAL MEDICAL HISTORY", "", "1990-06-01",
         "1990-06-15", "", "", ""],
        [protocol.TRIAL_ID, "MH", treated, "2", f"PT-{r['surgery'].pk}", "Left mastectomy", "",
         "", "", "PRIOR CANCER THERAPY", "BREAST CANCER SURGERY", "2018-01-10", "2018-01-10",
         "", "", "EARLY BREAST CANCER"],
        [protocol.TRIAL_ID, "MH", treated, "3", f"MH-{r['hypertension'].pk}",
         "High blood pressure", "Hypertension", "10020772", "Vascular disorders",
         "GENERAL MEDICAL HISTORY", "", "2019-03-01", "", "ONGOING", "SCREENING", ""],
    ]  # fmt: skip


@pytest.mark.django_db
def test_cm_gives_medications_premedications_and_prior_drug_therapy(trial, records, data_manager):
    got = export(cm.DOMAIN, ExportContext(user=data_manager))
    assert got == expected(CM_HEADER, cm_rows(trial, records))


@pytest.mark.django_db
def test_mh_gives_history_and_prior_non_drug_therapy(trial, records, data_manager):
    got = export(mh.DOMAIN, ExportContext(user=data_manager))
    assert got == expected(MH_HEADER, mh_rows(trial, records))


@pytest.mark.django_db
def test_deidentified_reader_gets_no_free_text(trial, records, statistician):
    ctx = ExportContext(user=statistician)
    assert ctx.deidentified
    got = export(cm.DOMAIN, ctx)
    assert got == expected(CM_HEADER, cm_rows(trial, records), drop=CM_FREE_TEXT)
    assert b"Tamoxifen" not in got and b"Neupogen" not in got and b"Ondansetron" not in got
    got = export(mh.DOMAIN, ctx)
    assert got == expected(MH_HEADER, mh_rows(trial, records), drop=MH_FREE_TEXT)
    assert b"mastectomy" not in got and b"blood pressure" not in got


@pytest.mark.django_db
def test_an_investigator_reads_only_their_site(trial, records, other_investigator):
    ctx = ExportContext(user=other_investigator)
    assert export(cm.DOMAIN, ctx) == expected(CM_HEADER, [])
    assert export(mh.DOMAIN, ctx) == expected(MH_HEADER, [])


@pytest.mark.django_db
def test_as_of_reads_the_records_as_they_were(trial, records, investigator, data_manager):
    before = timezone.now()
    filgrastim = records["filgrastim"]
    conmeds.conmed_update(
        user=investigator,
        medication=filgrastim,
        changes={"dose": Decimal("0.48")},
        reason="Transcription error",
        expected_version=filgrastim.version,
    )
    patient_services.medical_history_create(
        user=investigator,
        patient=trial.treated,
        condition="Asthma",
        start_date=D(2000, 1, 1),
        ongoing=True,
    )
    then = ExportContext(user=data_manager, as_of=before)
    assert export(cm.DOMAIN, then) == expected(CM_HEADER, cm_rows(trial, records))
    assert export(mh.DOMAIN, then) == expected(MH_HEADER, mh_rows(trial, records))
    now = ExportContext(user=data_manager)
    assert b",0.48,mg," in export(cm.DOMAIN, now)
    assert b"Asthma" in export(mh.DOMAIN, now)


def test_controlled_terms_are_in_the_codelists():
    lists = codelists()
    for domain in (cm.DOMAIN, mh.DOMAIN):
        for variable in domain.variables:
            if variable.codelist:
                assert variable.codelist in lists, (domain.code, variable.name)
    assert {term for term, _label in lists["CMCAT"]} == {
        "CONCOMITANT MEDICATION",
        "PREMEDICATION",
        "PRIOR CANCER THERAPY",
    }
    assert {term for term, _label in lists["MHCAT"]} == {
        "GENERAL MEDICAL HISTORY",
        "PRIOR CANCER THERAPY",
    }
