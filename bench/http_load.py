"""Benchmark: pages over HTTP at 20 concurrent clients (issue 24), time-bounded.

Starts gunicorn (``edc.wsgi``, ``--workers``, settings ``edc.settings.local``: DEBUG off,
whitenoise for static files, as the demo runs) on a free loopback port against
``DATABASE_URL`` (with ``REDIS_URL``: the Redis cache, and a Celery worker of the background
queue, which computes a large trial's dashboard and endpoints pages), signs the five bench
users in (server-side sessions, no login form, so the sign-in's password hashing is not what
is measured), and runs locust headless: ``--users`` clients spread over the five roles,
each requesting a mix of pages (home, patient list, a casebook, the dashboard, deviations,
the audit trail, AEs, endpoints, the lab index) with ``--wait`` seconds between requests
(0 = back to back), and ``--writers`` coordinators saving vital signs, for ``--seconds``.
Prints requests, errors, median/p95/p99 per page and overall, and the server's CPU time per
request (all gunicorn processes, from /proc).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_h7_bench \\
        .venv/bin/python bench/http_load.py --seconds 60          # the trial loaded by
                                                                 # bench/dashboard.py etc.
    DATABASE_URL=… .venv/bin/python bench/http_load.py --seed 1000 --seconds 60

Needs a trial with the bench users (``bench/synthetic.py``; ``--seed N`` loads one first).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

import synthetic  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.constants import UNSCHEDULED_VISIT  # noqa: E402
from edc.access.constants import Role  # noqa: E402
from patients.models import Patient  # noqa: E402

LOCUSTFILE = """
import json, os, random, re
from locust import HttpUser, constant, task

PLAN = json.loads(os.environ["EDC_BENCH_PLAN"])
WAIT = float(os.environ["EDC_BENCH_WAIT"])
_next = iter(range(10**9))


class Role(HttpUser):
    wait_time = constant(WAIT)

    def on_start(self):
        me = PLAN["users"][next(_next) % len(PLAN["users"])]
        self.client.cookies.set(PLAN["cookie"], me["session"])
        self.pages = me["pages"]

    @task
    def page(self):
        name, url = random.choice(self.pages)
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")


WRITES = PLAN["writes"]
if WRITES["writers"]:

    class Writer(HttpUser):
        # A coordinator entering unscheduled vital signs through the form, as a browser
        # would: the form (its CSRF token), then the POST; saved = redirected.

        fixed_count = WRITES["writers"]
        wait_time = constant(WRITES["wait"])

        def on_start(self):
            self.client.cookies.set(PLAN["cookie"], WRITES["session"])

        @task
        def save_vital_signs(self):
            url = random.choice(WRITES["urls"])
            form = self.client.get(url, name="vital signs form")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            data = dict(WRITES["data"], csrfmiddlewaretoken=token.group(1) if token else "")
            with self.client.post(
                url, data=data, name="vital signs save", catch_response=True,
                allow_redirects=False,
            ) as r:
                if r.status_code != 302:
                    r.failure(f"HTTP {r.status_code}: not saved")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sessions() -> list[dict]:
    """A signed-in session and the pages to request for each bench user."""
    users = synthetic.users()
    plan = []
    for role, user in users.items():
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        patient = Patient.objects.filter(site__code="BN01").order_by("pk").first()
        pages = [
            ("home", reverse("home")),
            ("patient list", reverse("patients:list")),
            ("casebook", reverse("patients:detail", args=[patient.pk])),
            ("dashboard", reverse("dashboard:index")),
            ("deviation list", reverse("deviations:list")),
            ("audit trail", reverse("monitoring:audit")),
            ("AE list", reverse("assessments:ae_list")),
            ("endpoints", reverse("assessments:endpoints")),
            ("labs index", reverse("labs:index")),
        ]
        plan.append({"role": str(role), "session": store.session_key, "pages": pages})
    return plan


def writes(plan: list[dict], writers: int, wait: float) -> dict:
    """What the writers send: the coordinator's session, the vital-signs form of 200 of
    BN01's patients, and one unscheduled visit's values (valid for any of them, today)."""
    coordinator = next(u for u in plan if u["role"] == str(Role.COORDINATOR))
    patients = Patient.objects.filter(site__code="BN01").order_by("pk")[:200]
    return {
        "writers": writers,
        "wait": wait,
        "session": coordinator["session"],
        "urls": [reverse("assessments:vitals_new", args=[p.pk]) for p in patients],
        "data": {
            "visit": UNSCHEDULED_VISIT,
            "measured_on": timezone.localdate().isoformat(),
            "weight_kg": "64.0",
            "height_cm": "",
            "systolic_bp": "120",
            "diastolic_bp": "80",
            "heart_rate": "70",
            "temperature_c": "36.8",
            "ecog": "1",
        },
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn workers), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run(args) -> None:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "edc.settings.local", "DEBUG": "0"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "edc.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    # With Redis, large pages past their reuse time are computed by a worker (edc.caching):
    # one on the background queue, as in production.
    worker = None
    if os.environ.get("REDIS_URL"):
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "edc",
                "worker",
                "-Q",
                "sweeps",
                "--concurrency",
                "1",
                "--loglevel",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
    try:
        host = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{host}/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        users = sessions()
        plan = {
            "cookie": settings.SESSION_COOKIE_NAME,
            "users": users,
            "writes": writes(users, args.writers, args.write_wait),
        }
        with tempfile.TemporaryDirectory() as tmp:
            locustfile = Path(tmp, "locustfile.py")
            locustfile.write_text(LOCUSTFILE)
            # One warm-up pass of every page per role (first requests fill caches).
            for user in plan["users"]:
                for _name, url in user["pages"]:
                    request = urllib.request.Request(
                        host + url, headers={"Cookie": f"{plan['cookie']}={user['session']}"}
                    )
                    urllib.request.urlopen(request, timeout=600).read()
            cpu_before = cpu_seconds(server.pid)
            load_before = os.getloadavg()[0]
            subprocess.run(
                [
                    str(ROOT / ".venv/bin/locust"),
                    "-f",
                    str(locustfile),
                    "--headless",
                    "--users",
                    str(args.users + args.writers),
                    "--spawn-rate",
                    str(args.users + args.writers),
                    "--run-time",
                    f"{args.seconds}s",
                    "--host",
                    host,
                    "--csv",
                    str(Path(tmp, "out")),
                    "--only-summary",
                    "--loglevel",
                    "ERROR",
                ],
                env={
                    **os.environ,
                    "EDC_BENCH_PLAN": json.dumps(plan),
                    "EDC_BENCH_WAIT": str(args.wait),
                },
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            cpu = cpu_seconds(server.pid) - cpu_before
            with open(Path(tmp, "out_stats.csv")) as f:
                stats = list(csv.DictReader(f))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    print(
        f"--- {Patient.objects.count():,} patients, {args.users} clients, wait {args.wait} s, "
        f"{args.writers} writers (a save every {args.write_wait} s each), "
        f"{args.seconds} s, {args.workers} gunicorn workers; load average "
        f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    )
    print("| page | requests | errors | median ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    total = 0
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} |"
        )
        if row["Name"] == "Aggregated":
            total = int(row["Request Count"])
    if total:
        print(f"server CPU per request: {cpu / total * 1000:.0f} ms ({total} requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="load a trial of N patients first")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--wait", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--writers",
        type=int,
        default=0,
        help="coordinators saving vital signs beside the readers (each write gives the "
        "dashboard and endpoint results a new stamp)",
    )
    parser.add_argument("--write-wait", type=float, default=5.0)
    args = parser.parse_args()
    if args.seed:
        call_command("migrate", verbosity=0)
        synthetic.seed(args.seed)
    run(args)


if __name__ == "__main__":
    main()
