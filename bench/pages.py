"""Benchmark: server time of the main pages on the demo trial (issue 9, target < 300 ms a page).

Loads the demo trial (``manage.py load_demo``: 3 sites, 30 patients with dosing, labs, tumour
assessments, queries and deviations) into a fresh SQLite file, then requests each main page
with the Django test client — the whole stack from URL routing to the rendered template,
without a network — N times per page after one warm-up request, and prints the median,
95th percentile and worst time, the number of SQL queries and the size of each page.

    .venv/bin/python bench/pages.py --runs 30
    .venv/bin/python bench/pages.py --db /tmp/demo.sqlite3 --reuse   # skip the 4-minute load

It never touches the project's own database (db.sqlite3) unless told to with ``--db``.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MS = 300.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--db", help="SQLite file to use (default: a new temporary file)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an existing --db that already has the demo"
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> Path:
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="edc-bench-")) / "demo.db"
    if path.resolve() == (Path(__file__).resolve().parents[1] / "db.sqlite3") and not args.reuse:
        sys.exit("Refusing to rebuild the project's own db.sqlite3; pass another --db.")
    if path.exists() and not args.reuse:
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")
    return path


def load_demo() -> float:
    from django.core.management import call_command

    from patients.models import Patient

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Patient.objects.exists():
        with open(os.devnull, "w") as quiet:
            call_command("load_demo", stdout=quiet)
    return time.perf_counter() - start


def pages() -> list[tuple[str, str, str]]:
    """(label, username, url) of every page measured."""
    from django.urls import reverse

    from patients.models import Patient

    patient = (
        Patient.objects.filter(site__code="FR01", subject_id__isnull=False)
        .order_by("subject_id")
        .first()
    )
    casebook = reverse("patients:detail", args=[patient.pk])
    return [
        ("home — investigator", "investigator", reverse("home")),
        ("home — coordinator", "coordinator", reverse("home")),
        ("home — monitor", "monitor", reverse("home")),
        ("home — statistician", "statistician", reverse("home")),
        ("home — data manager", "datamanager", reverse("home")),
        ("patient list — investigator", "investigator", reverse("patients:list")),
        ("patient list — data manager", "datamanager", reverse("patients:list")),
        (f"casebook {patient} — investigator", "investigator", casebook),
        (f"casebook {patient} — monitor", "monitor", casebook),
        ("dashboard — investigator", "investigator", reverse("dashboard:index")),
        ("dashboard — monitor", "monitor", reverse("dashboard:index")),
        ("dashboard — statistician", "statistician", reverse("dashboard:index")),
    ]


def measure(client, url: str, runs: int) -> tuple[list[float], int, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: caches, template loading
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    reset_queries()  # the log is a bounded deque: a full one would count nothing
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: later requests reset the query log
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return times, queries, len(response.content)


def main() -> None:
    args = parse_args()
    path = configure(args)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    logging.disable(logging.WARNING)  # the eager Celery tasks of the demo log every run
    setup_test_environment(debug=False)  # the test client's host, DEBUG off as in production

    print(f"database: {path}")
    seconds = load_demo()
    print(f"demo trial ready in {seconds:.1f} s; {args.runs} timed requests per page\n")
    header = f"{'page':<40} {'median':>8} {'p95':>8} {'worst':>8} {'queries':>8} {'KiB':>6}"
    print(header)
    print("-" * len(header))
    users = {u.username: u for u in get_user_model().objects.all()}
    slow = []
    for label, username, url in pages():
        client = Client()
        client.force_login(users[username])
        times, queries, size = measure(client, url, args.runs)
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        median = statistics.median(times)
        flag = "  > target" if median > TARGET_MS else ""
        print(
            f"{label:<40} {median:>6.1f}ms {p95:>6.1f}ms {max(times):>6.1f}ms "
            f"{queries:>8} {size / 1024:>6.1f}{flag}"
        )
        if median > TARGET_MS:
            slow.append(label)
    print(f"\ntarget: median < {TARGET_MS:.0f} ms per page — ", end="")
    print("met by every page." if not slow else f"missed by {', '.join(slow)}.")


if __name__ == "__main__":
    main()
