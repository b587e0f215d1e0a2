"""Exports and the dashboard read a streaming replica (DATABASE_REPLICA_URL); writes stay on
the primary; without a replica everything reads the primary.

The real test builds a primary and a hot standby (pg_basebackup -R) on spare ports, pauses
the standby's replay, writes a new patient on the primary and runs the app (in a subprocess,
configured by environment as in production) to show the exports do not see it yet — they
read the standby — while the primary does, and the export log is written on the primary.
"""

from __future__ import annotations

import json

import pytest
from django.db import router

from edc.operations import routers
from edc.operations.routers import ReplicaRouter, iterate_reading_replica, reading_replica
from patients.models import Patient

from ..conftest import require_real_service
from . import pg_throwaway as pg


# --- The router (no database) ------------------------------------------------------------------
@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)


@pytest.fixture
def without_replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: False)


def test_without_a_replica_every_read_goes_to_the_primary(without_replica):
    with reading_replica() as alias:
        assert alias == "default"
        assert router.db_for_read(Patient) == "default"
    assert routers.read_alias() == "default"


def test_inside_reading_replica_reads_go_to_the_replica_and_writes_to_the_primary(with_replica):
    assert router.db_for_read(Patient) == "default"
    with reading_replica() as alias:
        assert alias == "replica" == routers.read_alias()
        assert router.db_for_read(Patient) == "replica"
        assert router.db_for_write(Patient) == "default"
        with reading_replica():
            pass
        assert router.db_for_read(Patient) == "replica"  # a nested block restores, not clears
    assert router.db_for_read(Patient) == "default"


def test_a_row_read_from_the_replica_is_saved_on_the_primary_and_never_migrated_there():
    patient = Patient()
    patient._state.db = "replica"
    assert ReplicaRouter().db_for_write(Patient, instance=patient) == "default"
    assert ReplicaRouter().allow_relation(patient, Patient()) is True
    assert ReplicaRouter().allow_migrate("default", "patients") is True
    assert ReplicaRouter().allow_migrate("owner", "patients") is True
    assert ReplicaRouter().allow_migrate("replica", "patients") is False


def test_a_streamed_export_reads_the_replica_only_while_it_makes_a_piece(with_replica):
    seen = []

    def pieces():
        for n in range(3):
            seen.append(routers.read_alias())
            yield n

    between = []
    for _piece in iterate_reading_replica(pieces()):
        between.append(routers.read_alias())  # the consumer: the export log, job progress
    assert seen == ["replica"] * 3
    assert between == ["default"] * 3


def test_an_abandoned_stream_is_closed_at_once(with_replica):
    closed = []

    def pieces():
        try:
            yield 1
            yield 2
        finally:
            closed.append(routers.read_alias())

    stream = iterate_reading_replica(pieces())
    next(stream)
    stream.close()
    assert closed == ["replica"]


# --- A real primary and hot standby --------------------------------------------------------------
EXPORT = """
import io, json, zipfile
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from edc.exports import services
from edc.exports.models import ExportFileChunk, ExportJob, ExportLog
from edc.exports.validators import ExportParams
from patients.models import Patient

MARK = %(mark)r
stat = get_user_model().objects.get(username="stat")
client = Client()
client.force_login(stat)
replica = "replica" in settings.DATABASES
logs_before = ExportLog.objects.count()
out = {"replica_configured": replica}

def captured(fetch):
    with CaptureQueriesContext(connections["default"]) as primary:
        if replica:
            with CaptureQueriesContext(connections["replica"]) as standby:
                body = fetch()
            standby = [q["sql"] for q in standby.captured_queries]
        else:
            body, standby = fetch(), []
    primary = [q["sql"] for q in primary.captured_queries]
    return body, {
        "replica_queries": len(standby),
        "replica_copies": sum(q.startswith("COPY") for q in standby),
        "primary_reads_of_patients": sum('"patients_patient"' in q for q in primary),
    }

def stream(url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content).decode()

def api_page():
    response = client.get("/api/v1/exports/domains/dm/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()

def dashboard():
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()

def package():
    job = services.export_job_request(user=stat, params=ExportParams(), channel="web")
    job = ExportJob.objects.get(pk=job.pk)  # built on commit (eager), stored on the primary
    assert job.status == "done", (job.status, job.error)
    data = b"".join(bytes(c) for c in ExportFileChunk.objects.filter(job=job)
                    .order_by("seq").values_list("data", flat=True))
    return zipfile.ZipFile(io.BytesIO(data)).read("dm.csv").decode()

for name, fetch in [
    ("dm_csv", lambda: stream("/exports/dm.csv")),
    ("odm", lambda: stream("/exports/odm.xml")),
    ("api_page", api_page),
    ("package", package),
    ("dashboard", dashboard),
]:
    body, queries = captured(fetch)
    out[name] = {"has_new_patient": MARK in body, **queries}

out["primary_has_new_patient"] = Patient.objects.filter(pk=%(patient)d).exists()
out["export_logs_written_on_primary"] = ExportLog.objects.count() - logs_before
if replica:
    out["export_logs_on_replica"] = (
        ExportLog.objects.using("replica").count() - logs_before
    )
print(json.dumps(out))
"""
EXPORTS = ("dm_csv", "odm", "api_page", "package")


def caught_up(primary: pg.Cluster, standby: pg.Cluster) -> bool:
    (lsn,), *_ = primary.query("SELECT pg_current_wal_lsn()::text", dbname="postgres")
    (done,), *_ = standby.query(
        "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), dbname="postgres"
    )
    return bool(done)


@pytest.fixture(scope="module")
def replicated():
    require_real_service(pg.tools_available(), f"PostgreSQL server binaries ({pg.PG_BIN})")
    with pg.throwaway_root() as (root, clusters):
        primary = pg.Cluster(root, "primary").initdb(
            wal_level="replica", max_wal_senders="5", hot_standby="on"
        )
        clusters.append(primary)
        primary.start()
        primary.create_database()
        standby = pg.Cluster(root, "standby")
        # initdb -A trust also trusts replication connections from 127.0.0.1 (pg_hba.conf).
        pg.as_postgres(
            pg.PG_BIN / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", primary.port, "-U", pg.PG_USER),
            *("-D", standby.data, "-R", "-X", "stream", "-c", "fast"),
        )
        clusters.append(standby)
        standby.start()
        assert standby.query("SELECT pg_is_in_recovery()", dbname="postgres") == [(True,)]
        env = pg.app_env(primary.url())
        pg.manage("migrate", "--no-input", "-v", "0", env=env)
        pg.shell_json(pg.SETUP_USERS, env=env)
        pg.shell_json(pg.screen_patient_code("S0001"), env=env)
        pg.wait_for(lambda: caught_up(primary, standby), timeout=60, what="the standby")
        yield primary, standby


def run_exports(primary: pg.Cluster, standby: pg.Cluster | None, patient: int) -> dict:
    extra = {"DATABASE_REPLICA_URL": standby.url()} if standby else {}
    env = pg.app_env(primary.url(), **extra)
    code = EXPORT % {"mark": f"-FR01-P{patient:06d}", "patient": patient}
    return pg.shell_json(code, env=env)


@pytest.mark.postgres
def test_exports_and_dashboard_read_the_replica_and_write_their_log_on_the_primary(replicated):
    primary, standby = replicated
    standby.query("SELECT pg_wal_replay_pause()", dbname="postgres")
    pg.wait_for(
        lambda: (
            standby.query("SELECT pg_get_wal_replay_pause_state()", dbname="postgres")
            == [("paused",)]
        ),
        what="replay to pause",
    )
    env = pg.app_env(primary.url())
    patient = pg.shell_json(pg.screen_patient_code("S0002"), env=env)["patient"]

    lagging = run_exports(primary, standby, patient)
    assert lagging["replica_configured"] and lagging["primary_has_new_patient"], lagging
    for name in EXPORTS:
        assert not lagging[name]["has_new_patient"], (name, lagging)
        assert lagging[name]["replica_queries"] > 0, (name, lagging)
        assert lagging[name]["primary_reads_of_patients"] == 0, (name, lagging)
    # The package's CSVs of row domains are rendered by the standby itself (COPY … TO STDOUT).
    assert lagging["package"]["replica_copies"] > 0
    assert lagging["dashboard"]["replica_queries"] > 0
    assert lagging["dashboard"]["primary_reads_of_patients"] == 0
    # Every export was logged (and the package job built and stored) on the primary only.
    assert lagging["export_logs_written_on_primary"] == len(EXPORTS)
    assert lagging["export_logs_on_replica"] == 0

    # Without DATABASE_REPLICA_URL the same exports read the primary.
    fallback = run_exports(primary, None, patient)
    assert not fallback["replica_configured"]
    for name in EXPORTS:
        assert fallback[name]["has_new_patient"], (name, fallback)
        assert fallback[name]["primary_reads_of_patients"] > 0, (name, fallback)

    standby.query("SELECT pg_wal_replay_resume()", dbname="postgres")
    pg.wait_for(lambda: caught_up(primary, standby), timeout=60, what="the standby")
    caught = run_exports(primary, standby, patient)
    for name in EXPORTS:
        assert caught[name]["has_new_patient"], (name, caught)
        assert caught[name]["replica_queries"] > 0, (name, caught)
    print(json.dumps({"lagging": lagging, "caught_up": caught}, indent=1))
