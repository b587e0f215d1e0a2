"""Central-lab import: dry run, commit, idempotence, file faults, background processing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labs import constants as msg
from labs import imports, services
from labs.constants import ImportStatus, RowStatus, Source
from labs.models import ImportBatch, LabResult
from labs.selectors import batch_rows
from labs.tasks import import_batch
from patients import constants as patient_msg
from patients import services as patient_services
from patients.constants import EndReason

HEADER = "subject_id,collected_at,analyte,value,unit,lab"


def stamp(days_ago: int, hour: int = 8) -> str:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return f"{day:%Y-%m-%d} {hour:02d}:00"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(user, content: bytes, name: str = "central.csv"):
    return imports.import_batch_upload(user=user, filename=name, chunks=[content])


def reasons(batch) -> dict[int, str]:
    return {r["line"]: r["reason"] for r in batch_rows(batch=batch)}


@pytest.fixture
def two_sites(enrolled, other_investigator, lab, other_lab):
    """A patient at FR01 (lab FR01-LAB) and one at FR02 (lab FR02-LAB)."""
    here = enrolled(c1d1_days_ago=10)
    there = enrolled(c1d1_days_ago=10, site=other_lab.site, user=other_investigator)
    return here, there


@pytest.mark.django_db
def test_the_dry_run_lists_every_row_as_will_import_or_rejected_with_the_reason(
    two_sites, investigator
):
    here, there = two_sites
    s = here.subject_id
    content = csv_bytes(
        f"{s},{stamp(2)},ANC,1500,cells/µL,FR01-LAB",  # 2 valid
        f"{s},{stamp(2)},PLT,210,10^9/L,fr01-lab",  # 3 valid (lab code case-insensitive)
        f"NOPE-999,{stamp(2)},ANC,1.5,10^9/L,FR01-LAB",  # 4 unknown subject
        f"{there.subject_id},{stamp(2)},ANC,1.5,10^9/L,FR02-LAB",  # 5 other site: unknown
        f"{s},{stamp(2)},XYZ,1.5,10^9/L,FR01-LAB",  # 6 unknown analyte
        f"{s},{stamp(2)},HGB,12,furlongs,FR01-LAB",  # 7 unconvertible unit
        f"{s},{stamp(2)},WBC,high,10^9/L,FR01-LAB",  # 8 non-numeric
        f"{s},{stamp(2)},HGB,120,g/dL,FR01-LAB",  # 9 impossible
        f"{s},{stamp(30)},ANC,2,10^9/L,FR01-LAB",  # 10 before consent
        f"{s},{(timezone.localdate() + dt.timedelta(days=2)):%Y-%m-%d} 08:00,ANC,2,10^9/L,FR01-LAB",
        f"{s},{stamp(2)},ANC,1.6,10^9/L,FR01-LAB",  # 12 duplicate of line 2
        f"{s},yesterday,ANC,2,10^9/L,FR01-LAB",  # 13 bad date/time
        f"{s},{stamp(3)},ANC,2,10^9/L,NOLAB",  # 14 unknown lab
        f"{s},{stamp(3)},ANC,,10^9/L,FR01-LAB",  # 15 missing value
        "",  # blank line: skipped
        f"{s},{stamp(3)},ALT,0.5,µkat/L,FR01-LAB",  # 17 valid, converted
    )
    batch = upload(investigator, content)
    assert batch.status == ImportStatus.CHECKED
    assert (batch.total_rows, batch.valid_rows, batch.rejected_rows) == (15, 3, 12)
    got = reasons(batch)
    assert got[2] == got[3] == got[17] == ""
    assert got[4] == msg.ROW_UNKNOWN_SUBJECT.format(subject="NOPE-999")
    assert got[5] == msg.ROW_UNKNOWN_SUBJECT.format(subject=there.subject_id)  # no leak
    assert got[6] == "Unknown analyte code 'XYZ'."
    assert "not accepted" in got[7]
    assert got[8] == msg.ROW_NOT_A_NUMBER.format(value="high")
    assert "outside physiological limits" in got[9]
    assert got[10] == patient_msg.CONSENT_BEFORE_PROCEDURE
    assert got[11] == msg.COLLECTED_IN_FUTURE
    assert got[12] == msg.ROW_DUPLICATE_IN_FILE.format(line=2)
    assert got[13] == msg.ROW_BAD_DATETIME.format(value="yesterday")
    assert got[14] == msg.ROW_UNKNOWN_LAB.format(lab="NOLAB")
    assert got[15] == msg.ROW_MISSING.format(column="value")
    assert not LabResult.objects.exists()  # a dry run saves no result


@pytest.mark.django_db
def test_commit_imports_the_valid_rows_through_the_audited_service(two_sites, investigator):
    here, _ = two_sites
    s = here.subject_id
    batch = upload(
        investigator,
        csv_bytes(
            f"{s},{stamp(2)},ANC,0.8,10^9/L,FR01-LAB",
            f"{s},{stamp(2)},PLT,210,10^9/L,FR01-LAB",
            f"{s},{stamp(2)},XYZ,1,10^9/L,FR01-LAB",
        ),
    )
    batch = imports.import_batch_commit(user=investigator, batch=batch)
    assert batch.status == ImportStatus.COMMITTED
    assert (batch.imported_rows, batch.rejected_rows) == (2, 1)
    results = LabResult.objects.filter(import_batch=batch).order_by("analyte")
    assert [(r.analyte, r.flag, r.ctcae_grade, r.source) for r in results] == [
        ("ANC", "L", 3, Source.IMPORT),
        ("PLT", "", 0, Source.IMPORT),
    ]
    assert results[0].history.first().history_change_reason == "Central-lab import"
    assert results[0].created_by == investigator
    imported = batch_rows(batch=batch, status=RowStatus.IMPORTED)
    assert [r["result_id"] for r in imported] == [r.pk for r in results]


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(two_sites, investigator, data_manager):
    here, _ = two_sites
    content = csv_bytes(
        f"{here.subject_id},{stamp(2)},ANC,2.0,10^9/L,FR01-LAB",
        f"{here.subject_id},{stamp(2)},PLT,200,10^9/L,FR01-LAB",
    )
    first = imports.import_batch_commit(user=investigator, batch=upload(investigator, content))
    assert first.imported_rows == 2
    before = list(LabResult.objects.values_list("id", "version"))
    again = upload(data_manager, content)
    assert (again.valid_rows, again.rejected_rows) == (0, 2)
    assert set(reasons(again).values()) == {msg.ROW_ALREADY_IMPORTED}
    assert [b.pk for b in imports.same_file_imports(again)] == [first.pk]
    with pytest.raises(ValidationError):
        imports.import_batch_commit(user=data_manager, batch=first)  # already committed
    imports.import_batch_commit(user=data_manager, batch=again)
    assert list(LabResult.objects.values_list("id", "version")) == before


@pytest.mark.django_db
def test_a_result_entered_between_dry_run_and_commit_is_not_imported_twice(
    two_sites, investigator, lab
):
    here, _ = two_sites
    batch = upload(investigator, csv_bytes(f"{here.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB"))
    services.lab_result_create(
        user=investigator,
        patient=here,
        lab=lab,
        analyte="ANC",
        collected_at=dt.datetime.fromisoformat(batch_rows(batch=batch)[0]["at"]),
        value="2",
        unit="10^9/L",
    )
    batch = imports.import_batch_commit(user=investigator, batch=batch)
    assert (batch.imported_rows, batch.rejected_rows) == (0, 1)
    assert LabResult.objects.count() == 1


@pytest.mark.django_db
def test_rows_after_a_withdrawal_of_consent_are_rejected(two_sites, investigator):
    here, _ = two_sites
    patient_services.patient_end_study(
        user=investigator,
        patient=here,
        end_date=timezone.localdate() - dt.timedelta(days=5),
        reason_code=EndReason.WITHDRAWAL,
    )
    batch = upload(investigator, csv_bytes(f"{here.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB"))
    assert "withdrawal of consent" in reasons(batch)[2]


@pytest.mark.django_db
def test_a_data_manager_imports_for_every_site(two_sites, data_manager):
    here, there = two_sites
    batch = upload(
        data_manager,
        csv_bytes(
            f"{here.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB",
            f"{there.subject_id},{stamp(2)},ANC,2,10^9/L,FR02-LAB",
            f"{there.subject_id},{stamp(2)},PLT,200,10^9/L,FR01-LAB",  # lab of the other site
        ),
    )
    assert batch.valid_rows == 2
    assert reasons(batch)[4] == msg.LAB_NOT_AT_SITE.format(lab="FR01-LAB")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            csv_bytes("FR01-001,2026-01-01 08:00,HGB,12,g/dL,Hôpital", encoding="latin-1"),
            msg.IMPORT_BAD_ENCODING.format(line=2),
        ),
        (
            b"subject_id,analyte,value\nFR01-001,ANC,1\n",
            msg.IMPORT_MISSING_COLUMNS.format(
                missing="collected_at, unit, lab",
                expected="subject_id, collected_at, analyte, value, unit, lab",
            ),
        ),
        (b"", msg.IMPORT_EMPTY),
        (csv_bytes(), msg.IMPORT_NO_ROWS),
    ],
    ids=["latin-1", "missing-columns", "empty", "header-only"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(investigator, content, message):
    with pytest.raises(ValidationError) as exc:
        upload(investigator, content)
    assert exc.value.message_dict["file"] == [message]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_file_above_the_size_limit_is_refused(investigator, settings):
    settings.LAB_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        upload(investigator, csv_bytes(*["FR01-001,2026-01-01 08:00,ANC,1,10^9/L,X"] * 5))
    assert "larger than" in exc.value.message_dict["file"][0]


@pytest.mark.django_db
def test_excel_style_files_with_bom_semicolons_and_header_spellings_are_read(
    two_sites, investigator
):
    here, _ = two_sites
    content = "\ufeffSubject ID;Collection date/time;Analyte code;Value;Unit;Laboratory\n"
    content += f"{here.subject_id};{stamp(2)};PLT;210;10^9/L;FR01-LAB\n"
    batch = upload(investigator, content.encode("utf-8"))
    assert (batch.valid_rows, batch.rejected_rows) == (1, 0)


@pytest.mark.django_db
def test_a_large_file_is_checked_and_imported_by_the_celery_task_with_progress(
    two_sites, investigator, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LAB_IMPORT_ASYNC_ROWS = 5
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    here, _ = two_sites
    rows = [f"{here.subject_id},{stamp(1, hour=h)},ANC,2.{h},10^9/L,FR01-LAB" for h in range(8)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = upload(investigator, csv_bytes(*rows, f"{here.subject_id},x,ANC,1,10^9/L,FR01-LAB"))
    assert batch.asynchronous and batch.status == ImportStatus.CHECKING
    assert (batch.total_rows, batch.processed_rows) == (9, 0)
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs (CELERY_TASK_ALWAYS_EAGER in tests)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert (batch.processed_rows, batch.valid_rows, batch.rejected_rows) == (9, 8, 1)
    assert batch.percent == 100
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.import_batch_commit(user=investigator, batch=batch)
    assert batch.status == ImportStatus.COMMITTING  # the request returned before the work
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert (batch.imported_rows, batch.processed_rows) == (8, 8)
    assert LabResult.objects.filter(import_batch=batch).count() == 8


@pytest.mark.django_db
def test_the_task_is_idempotent_and_resumes_an_interrupted_dry_run(
    two_sites, investigator, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LAB_IMPORT_ASYNC_ROWS = 2
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    here, _ = two_sites
    rows = [f"{here.subject_id},{stamp(1, hour=h)},ANC,2,10^9/L,FR01-LAB" for h in range(5)]
    rows.append(rows[0])  # a duplicate across chunks
    with django_capture_on_commit_callbacks(execute=False):
        batch = upload(investigator, csv_bytes(*rows))
    real_store = imports._store_chunk
    calls = []

    def killed_on_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(imports, "_store_chunk", killed_on_second_chunk)
    with pytest.raises(RuntimeError):
        import_batch.delay(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows) == (ImportStatus.CHECKING, 2)
    monkeypatch.setattr(imports, "_store_chunk", real_store)
    assert import_batch.delay(batch.pk).get() == ImportStatus.CHECKED
    batch.refresh_from_db()
    assert (batch.valid_rows, batch.rejected_rows, len(batch_rows(batch=batch))) == (5, 1, 6)
    assert reasons(batch)[7] == msg.ROW_DUPLICATE_IN_FILE.format(line=2)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_batch_commit(user=investigator, batch=batch)
    assert import_batch.delay(batch.pk).get() == ImportStatus.COMMITTED  # a second delivery
    assert LabResult.objects.count() == 5


@pytest.mark.django_db
def test_the_uploaded_file_is_kept_and_every_step_of_the_batch_is_audited(
    two_sites, investigator, import_root
):
    here, _ = two_sites
    content = csv_bytes(f"{here.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    batch = imports.import_batch_commit(user=investigator, batch=upload(investigator, content))
    assert (import_root / batch.stored_name).read_bytes() == content
    steps = list(
        batch.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert steps == [
        "Central-lab file uploaded",
        "Dry run: lines 2-2 checked",
        "Dry run finished",
        "Import of the checked rows requested",
        "Import committed: 1 results imported",
    ]
