"""Throwaway PostgreSQL clusters for tests that stop, restart or replicate a real server.

Each cluster lives in a temporary directory on a free loopback port (so parallel test runs do
not meet), is run by the ``postgres`` OS user (initdb refuses root) and is always stopped and
removed by ``throwaway_root``'s teardown. The app is run against it in subprocesses
(``manage``, ``gunicorn``), configured by environment only, as in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
DBNAME = "edc"
PASSWORD = "pw-for-tests-1"  # noqa: S105 — users of a throwaway cluster


def tools_available() -> bool:
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        return False
    return all((PG_BIN / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")) and (
        os.geteuid() != 0 or shutil.which("runuser") is not None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", PG_USER, "--", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


class Cluster:
    def __init__(self, root: Path, name: str, port: int | None = None):
        self.root = root
        self.name = name
        self.data = root / name
        self.port = port or free_port()
        self.log = root / f"{name}.log"
        self.running = False

    def initdb(self, **conf: str) -> Cluster:
        as_postgres(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            PG_USER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.configure(**conf)
        return self

    def configure(self, **conf: str) -> None:
        lines = [f"{key} = '{value}'" for key, value in conf.items()]
        with open(self.data / "postgresql.conf", "a") as handle:
            handle.write("\n" + "\n".join(lines) + "\n")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def url(self, dbname: str = DBNAME) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = DBNAME, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=PG_USER,
            dbname=dbname,
            connect_timeout=5,
            **kwargs,
        )

    def query(self, sql: str, params=(), dbname: str = DBNAME) -> list[tuple]:
        with self.connect(dbname, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, dbname: str = DBNAME) -> None:
        self.query(f'CREATE DATABASE "{dbname}"', dbname="postgres")


@contextlib.contextmanager
def throwaway_root() -> Iterator[tuple[Path, list[Cluster]]]:
    """A temporary directory the postgres user owns; every cluster registered in the list it
    yields is stopped (immediately) and the directory removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="edc-pg-"))
    entry = pwd.getpwnam(PG_USER)
    if os.geteuid() == 0:
        os.chown(root, entry.pw_uid, entry.pw_gid)
    clusters: list[Cluster] = []
    try:
        yield root, clusters
    finally:
        for cluster in clusters:
            if (cluster.data / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of the app run against a throwaway cluster (test settings)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_REPLICA_URL", "DATABASE_MIGRATION_URL", "REDIS_URL"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "edc.settings.test",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONPATH": str(ROOT),
    }
    return env | extra


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def shell_json(code: str, *, env: dict[str, str]) -> dict:
    """Run ``code`` in ``manage.py shell``; it prints one JSON object as its last line."""
    out = manage("shell", "-c", code, env=env)
    return json.loads(out.strip().splitlines()[-1])


# A site, an investigator and a statistician (password PASSWORD), through the services.
SETUP_USERS = f"""
import json
from django.contrib.auth import get_user_model
from edc.access.constants import Role
from edc.access.models import Site
from edc.access.services import roles_sync, staff_assign, training_setup

roles_sync()
site = Site.objects.create(code="FR01", name="Paris", country="FR")
User = get_user_model()
inv = User.objects.create_user("inv_fr01", password={PASSWORD!r}, first_name="Ines")
training_setup(user=inv, role=Role.INVESTIGATOR)
staff_assign(user=inv, role=Role.INVESTIGATOR, sites=[site])
stat = User.objects.create_user("stat", password={PASSWORD!r}, first_name="Sam")
staff_assign(user=stat, role=Role.STATISTICIAN)
print(json.dumps({{"site": site.pk, "investigator": inv.pk, "statistician": stat.pk}}))
"""


def screen_patient_code(number: str) -> str:
    """Shell code: screen one patient at FR01 by the investigator; prints its id."""
    return f"""
import datetime as dt, json
from django.contrib.auth import get_user_model
from edc.access.models import Site
from patients import services
inv = get_user_model().objects.get(username="inv_fr01")
patient = services.patient_screen(
    user=inv, site=Site.objects.get(code="FR01"), screening_number={number!r},
    screening_date=dt.date.today() - dt.timedelta(days=20), year_of_birth=1970, sex="F",
)
print(json.dumps({{"patient": patient.pk}}))
"""


def wait_for(predicate, *, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
