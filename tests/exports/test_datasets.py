"""The domain datasets: declarative specs, CSV/JSON round trips, formula neutralisation,
de-identification policy, and a fixed number of queries whatever the trial size."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edc.exports.context import ExportContext
from edc.exports.deidentify import withheld_fields
from edc.exports.domains import DOMAINS, DOMAINS_BY_CODE
from edc.exports.package import codelists_of
from edc.exports.spec import FLOAT, INTEGER
from edc.exports.writers import (
    csv_bytes,
    json_array_bytes,
    jsonl_bytes,
    neutralise,
    unescape_cell,
)
from tests.assessments.conftest import vitals_values

from .conftest import FORMULA, csv_rows, treat

ORIGIN_FIELD = re.compile(r"^(\w+)\.(\w+)\.(\w+)$")


def export(domain, user, writer=csv_bytes, **kwargs) -> bytes:
    ctx = ExportContext(user=user, **kwargs)
    return b"".join(writer(domain.variables_for(deidentified=ctx.deidentified), domain.rows(ctx)))


# --- Specs ---------------------------------------------------------------------------------------
def test_every_domain_is_declared_once_with_unique_variables_and_known_codelists():
    assert [d.code for d in DOMAINS] == [
        "DM", "DS", "SV", "EX", "AE", "CM", "MH", "LB", "VS", "TU", "TR", "RS", "DV",
    ]  # fmt: skip
    codelists = codelists_of(DOMAINS)
    for domain in DOMAINS:
        names = [v.name for v in domain.variables]
        assert len(names) == len(set(names)), domain.code
        assert names[:3] == ["STUDYID", "DOMAIN", "USUBJID"]
        for variable in domain.variables:
            assert variable.label and len(variable.name) <= 8, variable.name
            assert not variable.codelist or variable.codelist in codelists, variable.codelist


def test_a_variable_read_from_a_withheld_field_is_marked_identifying_and_only_then():
    """The spec's flags follow the written policy (edc.exports.deidentify), field by field."""
    checked = 0
    for domain in DOMAINS:
        for variable in domain.variables:
            match = ORIGIN_FIELD.match(variable.origin)
            if not match:
                continue
            app_label, model_name, field = match.groups()
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            checked += 1
            assert variable.identifying == (field in withheld_fields(model)), (
                domain.code,
                variable.name,
            )
    assert checked > 60


def test_neutralise_prefixes_formula_text_and_unescape_restores_it_exactly():
    for text in ("=1+2", "+33 6", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "'=already", "'-5"):
        escaped = neutralise(text)
        assert escaped.startswith("'") and unescape_cell(escaped) == text
    for text in ("plain", "'quoted", "1.5", "", "x=y"):
        assert neutralise(text) == text and unescape_cell(text) == text


# --- Round trips ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_csv_round_trips_through_the_csv_module_and_matches_json_lines(trial, data_manager):
    for domain in DOMAINS:
        rows = csv_rows(export(domain, data_manager))
        lines = [
            json.loads(line) for line in export(domain, data_manager, jsonl_bytes).splitlines()
        ]
        array = json.loads(export(domain, data_manager, json_array_bytes))
        assert lines == array
        assert len(rows) == len(lines), domain.code
        types = {v.name: v.type for v in domain.variables}
        for row, obj in zip(rows, lines, strict=True):
            assert list(row) == list(obj)
            for name, cell in row.items():
                value = obj[name]
                if value is None:
                    assert cell == ""
                elif types[name] in (INTEGER, FLOAT):
                    assert Decimal(cell) == Decimal(str(value)), (domain.code, name)
                else:
                    assert unescape_cell(cell) == str(value), (domain.code, name)


@pytest.mark.django_db
def test_csv_reads_into_pandas_with_numbers_as_numbers(trial, data_manager):
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(io.BytesIO(export(DOMAINS_BY_CODE["LB"], data_manager)))
    assert frame["LBSTRESN"].dtype.kind == "f" and frame["LBSEQ"].dtype.kind == "i"
    tr = pandas.read_csv(io.BytesIO(export(DOMAINS_BY_CODE["TR"], data_manager)))
    change = tr.loc[tr["TRTESTCD"] == "PCBSD", "TRSTRESN"]
    assert change.tolist() == [-40.0]


@pytest.mark.django_db
def test_a_formula_typed_into_a_comment_is_neutralised_but_negative_numbers_stay_numbers(
    trial, data_manager
):
    lb = export(DOMAINS_BY_CODE["LB"], data_manager).decode()
    comments = [row["LBCOMM"] for row in csv.DictReader(io.StringIO(lb)) if row["LBCOMM"]]
    assert comments == ["'" + FORMULA]
    assert "\n=" not in lb and ",=" not in lb
    tr = csv_rows(export(DOMAINS_BY_CODE["TR"], data_manager))
    change = next(r for r in tr if r["TRTESTCD"] == "PCBSD")
    assert change["TRORRES"] == "-40" and change["TRSTRESN"] == "-40"


@pytest.mark.django_db
def test_domains_carry_sdtm_keys_and_controlled_terms(trial, data_manager):
    dm = {r["USUBJID"]: r for r in csv_rows(export(DOMAINS_BY_CODE["DM"], data_manager))}
    treated = dm[f"NCT00349934-{trial.treated.subject_id}"]
    assert treated["ARMCD"] == "A" and treated["ACTARMCD"] == "A"
    assert treated["RFSTDTC"] == trial.treated.c1d1_date.isoformat()
    assert treated["RFXSTDTC"] == trial.treated.c1d1_date.isoformat()
    assert dm[f"NCT00349934-{trial.enrolled.subject_id}"]["ACTARMCD"] == "NOTTRT"
    failure = next(r for r in dm.values() if r["ARMCD"] == "SCRNFAIL")
    assert failure["SUBJID"] == "" and failure["DMSTAT"] == "SCREEN_FAILED"
    ex = csv_rows(export(DOMAINS_BY_CODE["EX"], data_manager))
    assert [(r["EXTRT"], r["EXOCCUR"], r["EXROUTE"]) for r in ex] == [
        ("PACLITAXEL", "Y", "INTRAVENOUS"),
        ("IMP321", "Y", "SUBCUTANEOUS"),
        ("PACLITAXEL", "N", "INTRAVENOUS"),
    ]
    assert ex[0]["EXDOSE"] == "145.6" and ex[0]["EXPLDOS"] == "145.6" and ex[0]["EXBSA"] == "1.82"
    assert ex[0]["EXSTDTC"].endswith("T10:00") and ex[1]["EXDOSE"] == "0.25"
    lb = {r["LBTESTCD"]: r for r in csv_rows(export(DOMAINS_BY_CODE["LB"], data_manager))}
    assert (lb["NEUT"]["LBNRIND"], lb["NEUT"]["LBTOXGR"]) == ("LOW", "2")
    assert lb["MONO"]["LBCAT"] == "IMMUNE MONITORING" and lb["MONO"]["VISIT"] == "IMM-BL"
    rs = csv_rows(export(DOMAINS_BY_CODE["RS"], data_manager))
    overall = [r for r in rs if r["RSTESTCD"] == "OVRLRESP"]
    assert overall[0]["RSORRES"] == "PR" and overall[0]["RSEVAL"] == "EDC RECIST 1.1 ENGINE"
    assert [r["RSTESTCD"] for r in rs][-1] == "BESTRSP"
    ae = csv_rows(export(DOMAINS_BY_CODE["AE"], data_manager))
    assert {r["AEPTCD"] for r in ae} == {"10029366"} and ae[0]["AETOXGR"] == "3"


@pytest.mark.django_db
def test_vital_signs_are_one_record_per_measured_test_in_visit_then_test_order(
    trial, data_manager, investigator
):
    from assessments import services

    patient = trial.treated
    later = patient.c1d1_date + dt.timedelta(days=3)
    services.vital_signs_create(
        user=investigator,
        patient=patient,
        **vitals_values(patient, visit="UNS", measured_on=later, height_cm=None, ecog=1),
    )
    usubjid = f"NCT00349934-{patient.subject_id}"
    vs = [
        r for r in csv_rows(export(DOMAINS_BY_CODE["VS"], data_manager)) if r["USUBJID"] == usubjid
    ]
    tests = ["WEIGHT", "HEIGHT", "SYSBP", "DIABP", "PULSE", "TEMP", "ECOG"]
    assert [(r["VISIT"], r["VSTESTCD"]) for r in vs] == [
        *(("PAC-C1D1", test) for test in tests),
        *(("UNSCHEDULED", test) for test in tests if test != "HEIGHT"),  # not measured: no record
    ]
    assert [r["VSSEQ"] for r in vs] == [str(n) for n in range(1, 14)]
    weight, height, ecog = vs[0], vs[1], vs[-1]
    assert (weight["VSORRES"], weight["VSORRESU"], weight["VSSTRESN"]) == ("64.5", "kg", "64.5")
    assert (height["VSORRES"], height["VSSTRESU"]) == ("165", "cm")
    assert (ecog["VSORRES"], ecog["VSORRESU"], ecog["VSDTC"]) == ("1", "", later.isoformat())


# --- Queries -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_domain_costs_the_same_number_of_queries_for_one_or_three_treated_patients(
    trial, data_manager, investigator, enrolled
):
    from labs.models import Laboratory

    def counts():
        result = {}
        for domain in DOMAINS:
            with CaptureQueriesContext(connection) as queries:
                export(domain, data_manager)
            result[domain.code] = len(queries)
        return result

    few = counts()
    lab = Laboratory.objects.get(code="FR01-LAB")
    for _ in range(2):
        treat(enrolled(c1d1_days_ago=70), user=investigator, lab=lab)
    assert counts() == few
    assert max(few.values()) <= 8


@pytest.mark.django_db
def test_no_row_is_lost_when_screening_numbers_do_not_follow_the_order_of_entry(
    trial, data_manager, enrolled, investigator
):
    """Streams are merged by patient id: a later patient with a smaller screening number (and
    so earlier in Patient.Meta.ordering) keeps all its rows."""
    from assessments import services as assessment_services
    from tests.assessments.conftest import ae_values

    late = enrolled(c1d1_days_ago=40, number="A0001")
    assessment_services.adverse_event_create(user=investigator, patient=late, **ae_values(late))
    subjects = [r["USUBJID"] for r in csv_rows(export(DOMAINS_BY_CODE["AE"], data_manager))]
    assert len(subjects) == 3 and f"NCT00349934-{late.subject_id}" in subjects
    assert len(csv_rows(export(DOMAINS_BY_CODE["DM"], data_manager))) == 5
