"""Benchmark: server time of the main pages on the demo trial (issue 9, target < 300 ms a page).

Loads the demo trial (``manage.py load_demo``: 3 sites, 30 patients with dosing, labs, tumour
assessments, queries and deviations) into a fresh SQLite file, then requests each main page,
as each trial role, with the Django test client — the whole stack from URL routing to the
rendered template, without a network — N times per page after one warm-up request, and prints
the median, 95th percentile and worst time, the number of SQL queries, the size of each page
and the full (generation-2) garbage collections that ran during its timed requests.

    .venv/bin/python bench/pages.py --runs 30
    .venv/bin/python bench/pages.py --db /tmp/demo.sqlite3 --reuse   # skip the demo load
    .venv/bin/python bench/pages.py --db /tmp/demo.sqlite3 --reuse --only dashboard

A page a role may not open (data entry for monitors, statisticians and data managers) is
listed as refused (HTTP 403) and not timed. The target is on the 95th percentile: "no page
over 300 ms". It never touches the project's own database (db.sqlite3) unless told to with
``--db``.
"""

import argparse
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MS = 300.0
ROLES = ("investigator", "coordinator", "monitor", "statistician", "datamanager")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--db", help="SQLite file to use (default: a new temporary file)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an existing --db that already has the demo"
    )
    parser.add_argument("--only", help="time only the pages whose label contains this text")
    parser.add_argument("--roles", help="comma-separated usernames (default: every role)")
    parser.add_argument(
        "--markdown", action="store_true", help="also print a Markdown table, one line per page"
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


def pages() -> list[tuple[str, str]]:
    """(label, url) of every page measured, on records of FR01 (a site every role can see)."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from dosing.models import PaclitaxelAdministration
    from edc.deviations.models import Deviation
    from edc.monitoring.models import DataQuery
    from labs.constants import ENTRY_PANELS
    from patients.models import Patient

    patient = (
        Patient.objects.filter(site__code="FR01", subject_id__isnull=False)
        .order_by("subject_id")
        .first()
    )
    pk = patient.pk
    deviation = Deviation.objects.filter(patient__site__code="FR01").order_by("pk").first()
    query = DataQuery.objects.filter(patient__site__code="FR01").order_by("pk").first()
    dose = PaclitaxelAdministration.objects.filter(patient=patient).order_by("pk").first()
    pac = patient.calendar.filter(code__startswith="PAC-").order_by("planned_date").first()
    imp = patient.calendar.filter(code__startswith="IMP-").order_by("planned_date").first()
    dose_ct = ContentType.objects.get_for_model(PaclitaxelAdministration).pk
    return [
        ("home", reverse("home")),
        ("patient list", reverse("patients:list")),
        ("cohorts", reverse("patients:cohorts")),
        (f"casebook {patient}", reverse("patients:detail", args=[pk])),
        ("exposure", reverse("dosing:exposure", args=[pk])),
        (f"paclitaxel form {pac.code}", reverse("dosing:paclitaxel", args=[pk, pac.code])),
        (f"IMP321 form {imp.code}", reverse("dosing:imp321", args=[pk, imp.code])),
        ("labs index", reverse("labs:index")),
        ("lab results", reverse("labs:patient_results", args=[pk])),
        ("lab trend", reverse("labs:trend", args=[pk])),
        ("immune draws", reverse("labs:draws", args=[pk])),
        ("lab panel form", reverse("labs:panel_enter", args=[pk, ENTRY_PANELS[0]])),
        ("immune cohorts", reverse("labs:immune_cohorts")),
        ("laboratories", reverse("labs:laboratories")),
        ("lab imports", reverse("labs:imports")),
        ("AE list", reverse("assessments:ae_list")),
        ("tumour list", reverse("assessments:tumour_list")),
        ("tumour patient", reverse("assessments:patient", args=[pk])),
        ("tumour follow-up form", reverse("assessments:followup_new", args=[pk])),
        ("endpoints", reverse("assessments:endpoints")),
        ("deviation list", reverse("deviations:list")),
        ("deviation detail", reverse("deviations:detail", args=[deviation.pk])),
        ("monitoring home", reverse("monitoring:home")),
        ("audit trail", reverse("monitoring:audit")),
        ("query list", reverse("monitoring:queries")),
        ("query detail", reverse("monitoring:query", args=[query.pk])),
        ("record (dose)", reverse("monitoring:record", args=[dose_ct, dose.pk])),
        ("SDV progress", reverse("monitoring:sdv")),
        ("patient monitoring", reverse("monitoring:patient", args=[pk])),
        ("signatures", reverse("monitoring:signatures", args=[pk])),
        ("locks", reverse("monitoring:locks")),
        ("dashboard", reverse("dashboard:index")),
        ("exports", reverse("exports:index")),
    ]


class FullCollections:
    """Counts the generation-2 collections, and their total pause, while it is active."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._start

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def measure(client, url: str, runs: int) -> dict | int:
    """Timings of ``runs`` requests, or the HTTP status when the page is refused."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: caches, template loading
    if response.status_code != 200:
        return response.status_code
    reset_queries()  # the log is a bounded deque: a full one would count nothing
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: later requests reset the query log
    times = []
    with FullCollections() as collections:
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    return {
        "median": statistics.median(times),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "worst": ordered[-1],
        "queries": queries,
        "kib": len(response.content) / 1024,
        "gc": collections.count,
        "gc_ms": collections.seconds * 1000,
    }


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
    header = (
        f"{'page':<44} {'median':>8} {'p95':>8} {'worst':>8} {'queries':>7} {'KiB':>6} "
        f"{'full GC':>10}"
    )
    print(header)
    print("-" * len(header))
    users = {u.username: u for u in get_user_model().objects.all()}
    roles = args.roles.split(",") if args.roles else ROLES
    slow, rows = [], []
    for label, url in pages():
        if args.only and args.only.lower() not in label.lower():
            continue
        for username in roles:
            client = Client()
            client.force_login(users[username])
            name = f"{label} — {username}"
            result = measure(client, url, args.runs)
            if isinstance(result, int):
                print(f"{name:<44} {'refused (HTTP ' + str(result) + ')':>26}")
                continue
            rows.append((label, username, result))
            flag = "  > target" if result["p95"] > TARGET_MS else ""
            print(
                f"{name:<44} {result['median']:>6.1f}ms {result['p95']:>6.1f}ms "
                f"{result['worst']:>6.1f}ms {result['queries']:>7} {result['kib']:>6.1f} "
                f"{result['gc']:>2} {result['gc_ms']:>5.0f}ms{flag}"
            )
            if result["p95"] > TARGET_MS:
                slow.append(name)
    print(f"\ntarget: p95 < {TARGET_MS:.0f} ms per page — ", end="")
    print("met by every page." if not slow else f"missed by {', '.join(slow)}.")
    if args.markdown:
        print_markdown(rows)


def print_markdown(rows: list[tuple[str, str, dict]]) -> None:
    """One line per page over the roles that may open it: the range of medians, the highest
    95th percentile and worst time (with the role), the range of query counts."""
    by_page: dict[str, list[tuple[str, dict]]] = {}
    for label, username, result in rows:
        by_page.setdefault(label, []).append((username, result))
    print("\n| page | roles | median ms | p95 ms (highest) | worst ms (highest) | queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, results in by_page.items():
        medians = [r["median"] for _, r in results]
        p95_role, p95 = max(((u, r["p95"]) for u, r in results), key=lambda x: x[1])
        worst_role, worst = max(((u, r["worst"]) for u, r in results), key=lambda x: x[1])
        queries = sorted({r["queries"] for _, r in results})
        query_text = str(queries[0]) if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
        print(
            f"| {label} | {len(results)} | {min(medians):.0f}–{max(medians):.0f} | "
            f"{p95:.0f} ({p95_role}) | {worst:.0f} ({worst_role}) | {query_text} |"
        )


if __name__ == "__main__":
    main()
