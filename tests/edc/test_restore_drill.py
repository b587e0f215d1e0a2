"""Backup and restore drill on real PostgreSQL (docs/operations.md, "Backup and restore").

The trial data is committed (transactional test) so pg_dump sees it; the drill restores it
into a new database, compares it with the manifest and serves pages from it with gunicorn.
"""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from edc.audit.append_only import install_append_only_triggers
from edc.operations import backup as ops
from patients.models import Patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trial(require_postgres, settings, tmp_path, enrolled, give_paclitaxel):
    """An enrolled patient with a paclitaxel dose, and an uploaded file in the media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAB_IMPORT_ROOT = settings.MEDIA_ROOT / "lab-imports"
    (settings.LAB_IMPORT_ROOT / "2026" / "01").mkdir(parents=True)
    (settings.LAB_IMPORT_ROOT / "2026" / "01" / "central.csv").write_text("subject_id\nX\n")
    patient = enrolled(c1d1_days_ago=10)
    give_paclitaxel(patient, "PAC-C1D1")
    return patient


def run(command: str, **options) -> str:
    out = io.StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


def drill_failure(backup_dir) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("restore_drill", backup=backup_dir, stdout=out)
    return out.getvalue(), str(failed.value)


def drill_database(report: str) -> str | None:
    found = re.search(r"into database (edc_drill_\w+)", report)
    return found.group(1) if found else None


def database_exists(name: str) -> bool:
    server = ops.Target.from_settings("default")
    with server.connect(autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_the_app_serves_it(
    trial, tmp_path
):
    out = tmp_path / "backup"
    assert "BACKUP OK" in run("backup", out=out)
    manifest = json.loads((out / ops.MANIFEST_FILE).read_text())
    assert manifest["tables"]["patients_patient"] == 1
    assert manifest["tables"]["dosing_paclitaxeladministration"] == 1
    assert manifest["history_tables"]["patients_historicalpatient"] >= 1
    assert manifest["dump"]["sha256"] == ops.sha256_of(out / ops.DUMP_FILE)
    assert list(manifest["media"]["members"]) == ["media/lab-imports/2026/01/central.csv"]
    assert ["patients", "0001_initial"] in manifest["migrations"]

    printed = io.StringIO()
    try:
        call_command("restore_drill", backup=out, keep=True, verbosity=2, stdout=printed)
    finally:
        report = printed.getvalue()
        restored = drill_database(report)
    try:
        assert "RESTORE DRILL OK" in report
        for check in (
            "dump checksum",
            "media checksum",
            "restore",
            "row counts",
            "audit trail",
            "audit chain",
            "migrations",
            "append-only triggers",
            "media files",
            "app serves",
        ):
            assert re.search(rf"^OK   {check}: ", report, re.M), check
        assert "       patients_patient: 1" in report
        assert "an UPDATE of" in report and "was refused" in report
        assert re.search(r"^OK   audit chain: \d+ hash chains, [1-9]\d* links verify", report, re.M)
        assert f"shows '{trial.screening_number}'" in report  # the patient's page, from gunicorn
        # The kept database holds the very patient and dose.
        target = ops.Target.from_settings("default").for_database(restored)
        with target.connect() as conn:
            row = conn.execute(
                "SELECT subject_id FROM patients_patient WHERE id = %s", [trial.pk]
            ).fetchone()
            doses = conn.execute(
                "SELECT count(*) FROM dosing_paclitaxeladministration WHERE patient_id = %s",
                [trial.pk],
            ).fetchone()[0]
        assert row == (trial.subject_id,) and doses == 1
    finally:
        if restored:
            ops.drop_database(ops.Target.from_settings("default"), restored)
    assert not database_exists(restored)


def test_without_keep_the_drill_database_is_dropped(trial, tmp_path):
    out = tmp_path / "backup"
    run("backup", out=out)
    report = run("restore_drill", backup=out)
    assert "RESTORE DRILL OK" in report
    assert not database_exists(drill_database(report))


def test_the_drill_fails_and_names_each_count_and_file_that_differs_from_the_manifest(
    trial, tmp_path
):
    out = tmp_path / "backup"
    run("backup", out=out)
    path = out / ops.MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["tables"]["patients_patient"] = 2  # as if a patient had been lost
    manifest["history_tables"]["patients_historicalpatient"] += 1
    manifest["tables"]["patients_historicalpatient"] += 1
    manifest["media"]["members"]["media/lab-imports/2026/01/central.csv"] = "0" * 64
    path.write_text(json.dumps(manifest))

    report, error = drill_failure(out)
    assert "FAIL row counts" in report
    assert "patients_patient: backup 2 rows, restored 1 rows" in report
    assert "FAIL audit trail" in report
    assert re.search(r"patients_historicalpatient: backup \d+ rows, restored \d+ rows", report)
    assert "FAIL media files" in report
    assert "media/lab-imports/2026/01/central.csv: restored file's sha256 differs" in report
    assert "RESTORE DRILL FAILED: row counts, audit trail, media files" in report
    assert "row counts" in error
    assert not database_exists(drill_database(report))


def test_a_corrupted_dump_is_refused_before_restoring(trial, tmp_path):
    out = tmp_path / "backup"
    run("backup", out=out)
    dump = out / ops.DUMP_FILE
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    report, error = drill_failure(out)
    assert "FAIL dump checksum: sha256" in report and "differs from the manifest's" in report
    assert "FAIL restore: not attempted" in report
    assert "dump checksum" in error


def test_an_audit_table_without_its_append_only_trigger_fails_the_drill(trial, tmp_path):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER edc_audit_append_only ON patients_historicalpatient")
    try:
        out = tmp_path / "backup"
        run("backup", out=out)
    finally:
        install_append_only_triggers()
    report, error = drill_failure(out)
    assert "FAIL append-only triggers" in report
    assert "patients_historicalpatient: no edc_audit_append_only trigger" in report
    assert "OK   row counts" in report


def test_a_tampered_audit_trail_fails_the_drill_and_is_named(trial, tmp_path):
    from django.db import connection

    table = "patients_historicalpatient"
    with connection.cursor() as cursor:  # a superuser, behind the append-only trigger's back
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER edc_audit_append_only")
        cursor.execute(f"UPDATE {table} SET year_of_birth = 1900 WHERE id = %s", [trial.pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER edc_audit_append_only")
    out = tmp_path / "backup"
    run("backup", out=out)
    report, error = drill_failure(out)
    assert "FAIL audit chain:" in report and "BROKEN" in report
    assert f"FAIL {table}: " in report and "year_of_birth: " in report and "-> 1900" in report
    assert "OK   row counts" in report and "audit chain" in error


def test_a_directory_without_manifest_is_not_a_backup(require_postgres, tmp_path):
    report, error = drill_failure(tmp_path)
    assert "FAIL manifest" in report and "not a complete backup" in report


def test_backup_refuses_a_directory_that_is_not_empty(require_postgres, tmp_path):
    (tmp_path / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        run("backup", out=tmp_path)
    assert Patient.objects.count() == 0
