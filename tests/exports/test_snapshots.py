"""As-of snapshots: an export taken as of a past time is the export that was taken then."""

import io

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import AdverseEvent
from edc.exports import odm
from edc.exports.constants import AS_OF_IN_FUTURE
from edc.exports.context import ExportContext
from edc.exports.domains import DOMAINS
from edc.exports.writers import csv_bytes
from labs import services as lab_services
from labs.models import LabResult
from patients import services as patient_services

from .conftest import content, csv_rows


def export_all(user, **kwargs) -> dict[str, bytes]:
    ctx = ExportContext(user=user, **kwargs)
    return {
        d.code: b"".join(csv_bytes(d.variables_for(deidentified=ctx.deidentified), d.rows(ctx)))
        for d in DOMAINS
    }


def correct_some_values(trial, user):
    """Three corrections with reasons: an AE grade, a lab value, a year of birth."""
    ae = AdverseEvent.objects.get(patient=trial.treated)
    assessment_services.adverse_event_update(
        user=user,
        adverse_event=ae,
        changes={"grade": 4},
        reason="Grade checked against the source",
        expected_version=ae.version,
    )
    result = LabResult.objects.get(patient=trial.treated, analyte="ANC")
    lab_services.lab_result_update(
        user=user,
        result=result,
        collected_at=result.collected_at,
        value="0.4",
        unit="10^9/L",
        comment="",
        reason="Transcription error",
        expected_version=result.version,
    )
    patient = trial.treated
    patient.refresh_from_db()
    patient_services.patient_update(
        user=user,
        patient=patient,
        data={"year_of_birth": 1960},
        reason="Wrong year of birth",
        expected_version=patient.version,
    )


@pytest.mark.django_db
def test_an_export_as_of_before_an_edit_equals_the_export_taken_before_it(
    trial, data_manager, investigator
):
    before = export_all(data_manager)
    moment = timezone.now()
    correct_some_values(trial, investigator)

    assert export_all(data_manager, as_of=moment) == before
    after = export_all(data_manager)
    assert after["AE"] != before["AE"] and after["LB"] != before["LB"]
    assert after["DM"] != before["DM"]
    grades = {r["USUBJID"]: r["AETOXGR"] for r in csv_rows(after["AE"])}
    assert grades[f"NCT00349934-{trial.treated.subject_id}"] == "4"


@pytest.mark.django_db
def test_a_record_created_after_the_as_of_time_is_not_in_the_snapshot(
    trial, data_manager, investigator
):
    from tests.assessments.conftest import ae_values

    moment = timezone.now()
    assessment_services.adverse_event_create(
        user=investigator, patient=trial.enrolled, **ae_values(trial.enrolled)
    )
    then = csv_rows(export_all(data_manager, as_of=moment)["AE"])
    now = csv_rows(export_all(data_manager)["AE"])
    assert len(now) == len(then) + 1


@pytest.mark.django_db
def test_the_odm_file_as_of_a_time_does_not_change_after_later_edits(
    trial, data_manager, investigator
):
    moment = timezone.now()

    def clinical(data: bytes) -> bytes:
        # Everything after the header (whose CreationDateTime is the generation time).
        return data[data.index(b"<Study") :]

    first = b"".join(odm.odm_bytes(ExportContext(user=data_manager, as_of=moment)))
    correct_some_values(trial, investigator)
    second = b"".join(odm.odm_bytes(ExportContext(user=data_manager, as_of=moment)))
    assert clinical(first) == clinical(second)
    assert odm.validate(io.BytesIO(second)) == []


@pytest.mark.django_db
def test_updated_since_keeps_only_subjects_changed_since_with_all_their_rows(
    trial, data_manager, investigator
):
    since = timezone.now()
    ae = AdverseEvent.objects.get(patient=trial.treated)
    assessment_services.adverse_event_update(
        user=investigator,
        adverse_event=ae,
        changes={"grade": 2},
        reason="Regraded",
        expected_version=ae.version,
    )
    changed = export_all(data_manager, updated_since=since)
    ae_rows = csv_rows(changed["AE"])
    assert {r["USUBJID"] for r in ae_rows} == {f"NCT00349934-{trial.treated.subject_id}"}
    assert csv_rows(changed["LB"]) == []  # no lab result changed since
    full = csv_rows(export_all(data_manager)["AE"])
    assert len(full) == 2 and len(ae_rows) == 1


@pytest.mark.django_db
def test_an_as_of_time_in_the_future_is_refused(statistician, web):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=2)).isoformat()
    response = web(statistician).get(f"/exports/dm.csv?as_of={tomorrow}")
    assert response.status_code == 400 and AS_OF_IN_FUTURE in response.content.decode()


@pytest.mark.django_db
def test_the_download_of_an_as_of_export_is_named_and_logged_with_its_time(
    trial, statistician, web
):
    moment = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = web(statistician).get(f"/exports/dm.csv?as_of={moment}")
    assert response.status_code == 200
    assert "as-of" in response["Content-Disposition"]
    rows = csv_rows(content(response))
    assert len(rows) == 4
    from edc.exports.models import ExportLog

    log = ExportLog.objects.get()
    assert log.as_of is not None and log.row_count == 4 and log.what == "DM"


@pytest.mark.django_db
def test_an_as_of_export_is_scoped_to_the_readers_sites_too(trial, investigator, data_manager):
    moment = timezone.now()
    files = export_all(investigator, as_of=moment)
    other = f"NCT00349934-{trial.other_site.subject_id}"
    assert all(other not in data.decode() for data in files.values())
    assert {r["SITEID"] for r in csv_rows(files["DM"])} == {"FR01"}
    assert len(csv_rows(export_all(data_manager, as_of=moment)["DM"])) == 4
