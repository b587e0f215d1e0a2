"""The app served by gunicorn while its PostgreSQL is stopped, restarted or drops a connection.

A throwaway cluster (tests/edc/pg_throwaway.py), migrated; two gunicorn workers with
persistent connections (CONN_MAX_AGE=60); a logged-in investigator. While the database is
down every page says so with a 503 (JSON under /api/), a save is refused whole, and when it is
back the same pages and saves work — without a stale connection failing the first request.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import psycopg
import pytest
import requests
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from edc.operations.middleware import MESSAGE, RETRY_AFTER_SECONDS

from ..conftest import require_real_service
from . import pg_throwaway as pg

HISTORY_TABLE = "patients_historicalpatient"


def gunicorn(port: int, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "edc.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=pg.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


# --- The middleware alone (no database): which failures become the 503 ----------------------
def _db_error(kind=OperationalError, sqlstate: str | None = None):
    cause = psycopg.errors.lookup(sqlstate)("x") if sqlstate else psycopg.OperationalError("x")
    error = kind("server closed the connection unexpectedly")
    error.__cause__ = cause
    return error


def _raising(error):
    def view(request):
        raise error

    return view


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("down/", _raising(_db_error())),
    path("api/v1/down/", _raising(_db_error())),
    path("terminated/", _raising(_db_error(sqlstate="57P01"))),
    path("closed/", _raising(_db_error(InterfaceError))),
    path("deadlock/", _raising(_db_error(sqlstate="40P01"))),
    path("ok/", _ok),
]


class FailingSessionMiddleware:
    """Stands for a middleware below ours whose database read fails (not the view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/ok/":
            raise _db_error()
        return self.get_response(request)


@pytest.fixture
def bare(db, settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/down/", "/terminated/", "/closed/"])
def test_a_view_that_cannot_reach_the_database_shows_the_503_page(bare, url):
    response = bare.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert MESSAGE in response.content.decode()


def test_the_api_gets_the_503_as_json(bare):
    response = bare.get("/api/v1/down/")
    assert response.status_code == 503
    assert response.json() == {"detail": MESSAGE}


def test_a_failure_in_another_middleware_also_gives_the_503(bare, settings):
    mine = "edc.operations.middleware.DatabaseUnavailableMiddleware"
    index = settings.MIDDLEWARE.index(mine)
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: index + 1],
        f"{__name__}.FailingSessionMiddleware",
        *settings.MIDDLEWARE[index + 1 :],
    ]
    response = bare.get("/ok/")
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()


def test_a_deadlock_is_an_ordinary_error_not_an_unreachable_database(bare):
    assert bare.get("/deadlock/").status_code == 500


# --- The real thing: gunicorn and a PostgreSQL cluster stopped under it ----------------------
@pytest.fixture(scope="module")
def served():
    require_real_service(pg.tools_available(), f"PostgreSQL server binaries ({pg.PG_BIN})")
    with pg.throwaway_root() as (root, clusters):
        cluster = pg.Cluster(root, "primary").initdb()
        clusters.append(cluster)
        cluster.start()
        cluster.create_database()
        env = pg.app_env(cluster.url(), CONN_MAX_AGE="60")
        pg.manage("migrate", "--no-input", "-v", "0", env=env)
        ids = pg.shell_json(pg.SETUP_USERS, env=env)
        ids |= pg.shell_json(pg.screen_patient_code("S0001"), env=env)
        port = pg.free_port()
        with open(root / "gunicorn.log", "wb") as log:
            server = gunicorn(port, env, log)
            base = f"http://127.0.0.1:{port}"
            try:
                pg.wait_for(lambda: _up(base), timeout=60, what="gunicorn")
                yield SimpleNamespace(base=base, cluster=cluster, root=root, **ids)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()


def _up(base: str) -> bool:
    try:
        return requests.get(f"{base}/accounts/login/", timeout=10).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def app(served):
    """The served app with its database running (a test may have left it stopped)."""
    if not served.cluster.running:
        served.cluster.start()
    return served


def logged_in(base: str, username: str = "inv_fr01") -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": pg.PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def edit_form(session: requests.Session, base: str, patient: int) -> int:
    """Open the registry-data correction form; return the version it was opened at."""
    response = session.get(f"{base}/patients/{patient}/edit/", timeout=10)
    assert response.status_code == 200
    return int(re.search(r'name="version" value="(\d+)"', response.text).group(1))


def post_edit(session, base, patient, *, version: int, year: int, timeout=30):
    return session.post(
        f"{base}/patients/{patient}/edit/",
        data={
            "screening_number": "S0001",
            "screening_date": (dt.date.today() - dt.timedelta(days=20)).isoformat(),
            "year_of_birth": str(year),
            "sex": "F",
            "version": str(version),
            "reason": "Transcription error",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=timeout,
        allow_redirects=False,
    )


def stored(cluster: pg.Cluster, patient: int) -> dict:
    (year, version), *_ = cluster.query(
        "SELECT year_of_birth, version FROM patients_patient WHERE id = %s", (patient,)
    )
    (history,), *_ = cluster.query(
        f"SELECT count(*) FROM {HISTORY_TABLE} WHERE id = %s",
        (patient,),  # noqa: S608
    )
    (audit,), *_ = cluster.query("SELECT count(*) FROM audit_auditentry")
    return {"year_of_birth": year, "version": version, "history": history, "audit": audit}


def assert_unavailable_page(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert MESSAGE in response.text
    assert "<h1>The trial database is unavailable</h1>" in response.text


@pytest.mark.postgres
def test_while_the_database_is_down_pages_and_api_say_503_and_a_save_is_not_stored(app):
    session = logged_in(app.base)
    page, api = f"{app.base}/patients/{app.patient}/", f"{app.base}/api/v1/patients/"
    assert session.get(page, timeout=10).status_code == 200
    assert session.get(api, timeout=10).status_code == 200
    version = edit_form(session, app.base, app.patient)
    before = stored(app.cluster, app.patient)

    app.cluster.stop("immediate")
    for _ in range(3):  # both workers, each with the persistent connection it had
        assert_unavailable_page(session.get(page, timeout=10))
        response = session.get(api, timeout=10)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert response.json() == {"detail": MESSAGE}
    assert_unavailable_page(post_edit(session, app.base, app.patient, version=version, year=1971))
    # Anonymous pages too (the login page reads the session).
    assert_unavailable_page(requests.get(f"{app.base}/accounts/login/", timeout=10))

    app.cluster.start()
    for _ in range(4):
        assert session.get(page, timeout=10).status_code == 200
        assert session.get(api, timeout=10).status_code == 200
    assert stored(app.cluster, app.patient) == before  # the save made while down left nothing

    response = post_edit(session, app.base, app.patient, version=version, year=1971)
    assert response.status_code == 302, response.text[:1000]
    after = stored(app.cluster, app.patient)
    assert after["year_of_birth"] == 1971 and after["version"] == before["version"] + 1
    assert after["history"] == before["history"] + 1


@pytest.mark.postgres
def test_after_a_database_restart_the_first_requests_succeed_on_fresh_connections(app):
    session = logged_in(app.base)
    page = f"{app.base}/patients/{app.patient}/"
    for _ in range(8):
        assert session.get(page, timeout=10).status_code == 200
    # The workers keep their connections between requests (CONN_MAX_AGE)…
    (held,), *_ = app.cluster.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (pg.DBNAME,), dbname="postgres"
    )
    assert held >= 1
    app.cluster.stop("fast")  # …which the restart breaks behind their backs
    app.cluster.start()
    statuses = [session.get(page, timeout=10).status_code for _ in range(8)]
    assert statuses == [200] * 8


@pytest.mark.postgres
def test_a_save_whose_connection_dies_mid_transaction_leaves_nothing_half_written(app):
    session = logged_in(app.base)
    version = edit_form(session, app.base, app.patient)
    before = stored(app.cluster, app.patient)
    result = {}

    # Hold the history table so the save blocks after updating the patient's row, before
    # writing its history row: the request is then inside its transaction, half-way.
    with app.cluster.connect() as blocker:
        blocker.execute(f"LOCK TABLE {HISTORY_TABLE} IN SHARE ROW EXCLUSIVE MODE")

        def save():
            year = before["year_of_birth"] + 1
            result["response"] = post_edit(
                session, app.base, app.patient, version=version, year=year
            )

        thread = threading.Thread(target=save)
        thread.start()
        backend = {}

        def blocked() -> bool:
            rows = app.cluster.query(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                (f'INSERT INTO "{HISTORY_TABLE}"%',),
            )
            backend["pid"] = rows[0][0] if rows else None
            return bool(rows)

        pg.wait_for(blocked, timeout=20, what="the save to block on the history table")
        # The patient's row is already updated inside that transaction (row-exclusive lock).
        (updated,), *_ = app.cluster.query(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND c.relname = 'patients_patient' "
            "AND l.mode = 'RowExclusiveLock' AND l.granted",
            (backend["pid"],),
        )
        assert updated == 1
        app.cluster.query("SELECT pg_terminate_backend(%s)", (backend["pid"],))
        thread.join(timeout=30)
        blocker.rollback()

    assert_unavailable_page(result["response"])
    time.sleep(0.2)
    assert stored(app.cluster, app.patient) == before
    # The worker whose connection died serves the next request on a new one.
    for _ in range(4):
        assert session.get(f"{app.base}/patients/{app.patient}/", timeout=10).status_code == 200
