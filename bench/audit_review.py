"""Benchmark: the audit-trail review over 1,000,000 AuditEntry rows (issue 7, "fast").

Fills ``audit_auditentry`` with synthetic entries through PostgreSQL COPY (the ORM is too slow
for a million rows and the services would write real clinical data), then times the review's
own queries — the same selector, filters and page size the page and the API use — and the
full HTTP page for a monitor, and writes the numbers into bench/RESULTS.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench \\
        .venv/bin/python bench/audit_review.py --rows 1000000

It migrates the target database itself and, with ``--refill``, truncates the benchmark's
tables first; never point it at a database with real data.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from edc.access.constants import Role  # noqa: E402
from edc.access.models import Site  # noqa: E402
from edc.access.services import roles_sync, staff_assign, training_setup  # noqa: E402
from edc.audit.display import EXPORT_COLUMNS, csv_rows  # noqa: E402
from edc.audit.models import AuditEntry  # noqa: E402
from edc.audit.records import clinical_models  # noqa: E402
from edc.audit.selectors import (  # noqa: E402
    AuditFilters,
    audit_entries_filter,
    audit_entries_for_user,
    audit_entries_page,
    record_history,
)
from patients.models import Patient  # noqa: E402

SITES = (("FR01", "Paris"), ("FR02", "Lyon"), ("BE01", "Brussels"))
PATIENTS_PER_SITE = 100
DAYS = 730
FIELDS = (
    "year_of_birth",
    "status",
    "actual_date",
    "planned_date",
    "dose_mg",
    "weight_kg",
    "height_cm",
    "standard_value",
    "comment",
    "ctcae_grade",
    "injection_site",
    "not_done_reason",
)
RARE_FIELD = "eligibility_waiver"  # about 1 in 2,000 entries
MARK_START, MARK_END = "<!-- audit_review:start -->", "<!-- audit_review:end -->"


def setup_trial():
    """Sites, 300 patients and a user of each role (idempotent)."""
    roles_sync()
    sites = {
        code: Site.objects.get_or_create(code=code, defaults={"name": name, "country": code[:2]})[0]
        for code, name in SITES
    }
    patients = {}
    for code, site in sites.items():
        existing = list(Patient.objects.filter(site=site).order_by("pk"))
        for n in range(len(existing), PATIENTS_PER_SITE):
            patient = Patient(
                site=site,
                screening_number=f"BR{n:04d}",
                screening_date=dt.date(2025, 3, 1),
                year_of_birth=1970,
                sex="F",
            )
            patient.save()
            existing.append(patient)
        patients[code] = existing
    User = get_user_model()
    users = {}
    for username, role, site_codes in (
        ("bench.monitor", Role.MONITOR, ("FR01", "FR02")),
        ("bench.dm", Role.DATA_MANAGER, ()),
        ("bench.stat", Role.STATISTICIAN, ()),
        *((f"bench.inv.{c}", Role.INVESTIGATOR, (c,)) for c in sites),
        *((f"bench.crc.{c}", Role.COORDINATOR, (c,)) for c in sites),
    ):
        user, _ = User.objects.get_or_create(username=username)
        training_setup(user=user, role=role)
        staff_assign(user=user, role=role, sites=[sites[c] for c in site_codes])
        users[username] = user
    return sites, patients, users


def fill(rows: int, *, sites, patients, users, seed: int = 7) -> float:
    """COPY ``rows`` synthetic entries (two years, 3 sites, every clinical form)."""
    rng = random.Random(seed)
    forms = [
        (ContentType.objects.get_for_model(m).pk, m._meta.label_lower) for m in clinical_models()
    ]
    staff = {c: [users[f"bench.inv.{c}"].pk, users[f"bench.crc.{c}"].pk] for c in sites}
    flat = [(code, p) for code, ps in patients.items() for p in ps]
    end = timezone.now()
    start = end - dt.timedelta(days=DAYS)
    span = (end - start).total_seconds()
    columns = (
        "at, action, content_type_id, object_id, model_label, version, patient_id, site_id, "
        "user_id, user_role, reason, changes, changed_fields"
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY audit_auditentry ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                code, patient = flat[rng.randrange(len(flat))]
                ct_id, label = forms[rng.randrange(len(forms))]
                roll = rng.random()
                action = "create" if roll < 0.12 else "delete" if roll > 0.985 else "change"
                names = rng.sample(FIELDS, rng.randint(1, 3))
                if i % 2000 == 0:
                    names = [RARE_FIELD]
                changes = [
                    {"field": n, "old": rng.randint(0, 99), "new": rng.randint(0, 99)}
                    for n in names
                ]
                user_id = rng.choice(staff[code])
                copy.write_row(
                    (
                        start + dt.timedelta(seconds=span * i / rows),
                        action,
                        ct_id,
                        rng.randint(1, 60_000),
                        label,
                        rng.randint(1, 9),
                        patient.pk,
                        patient.site_id,
                        user_id,
                        "investigator" if user_id == staff[code][0] else "coordinator",
                        "Transcription error corrected from the source document",
                        json.dumps(changes),
                        "," + ",".join(names) + ",",
                    )
                )
        cursor.execute("ANALYZE audit_auditentry")
    return time.perf_counter() - began


def timed(fn, repeat: int = 7) -> tuple[float, float, int]:
    fn()  # warm the cache: the numbers are for a server in use, not a cold disk
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            fn()
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times), len(queries)


def scenarios(*, sites, patients, users):
    dm, monitor, stat = users["bench.dm"], users["bench.monitor"], users["bench.stat"]
    patient = patients["FR02"][17]
    today = timezone.localdate()
    record = AuditEntry.objects.filter(patient=patient).order_by("-id").first()

    def page(viewer, page_number: int = 1, **filters):
        def run():
            qs = audit_entries_filter(
                audit_entries_for_user(viewer), AuditFilters(**filters), user=viewer
            )
            rows, _ = audit_entries_page(qs, page=page_number, size=50)
            return rows

        return run

    def history():
        return list(
            record_history(
                user=dm, content_type_id=record.content_type_id, object_id=record.object_id
            )
        )

    def export_patient():
        qs = audit_entries_filter(
            audit_entries_for_user(dm), AuditFilters(patient=patient.pk), user=dm
        )
        values = qs.values(*EXPORT_COLUMNS).iterator(chunk_size=2000)
        return sum(1 for _ in csv_rows(values, deidentified=False))

    return [
        ("data manager, no filter, newest first", page(dm)),
        ("monitor (2 of 3 sites), no filter", page(monitor)),
        ("statistician (de-identified), no filter", page(stat)),
        ("site = BE01", page(dm, site=sites["BE01"].pk)),
        ("patient", page(dm, patient=patient.pk)),
        ("user", page(dm, user="bench.crc.FR02")),
        ("role = coordinator", page(monitor, role="coordinator")),
        ("form = labs.labresult", page(dm, form="labs.labresult")),
        ("form + field (common)", page(dm, form="labs.labresult", field="status")),
        (f"field only, rare ({RARE_FIELD})", page(dm, field=RARE_FIELD)),
        (
            "date range (one week, a year ago)",
            page(
                dm, date_from=today - dt.timedelta(days=372), date_to=today - dt.timedelta(days=365)
            ),
        ),
        ("action = delete", page(dm, action="delete")),
        (
            "monitor, site + form + action",
            page(
                monitor,
                site=sites["FR01"].pk,
                form="dosing.paclitaxeladministration",
                action="change",
            ),
        ),
        ("sort by form", page(dm, sort="form")),
        ("sort by user", page(dm, sort="user")),
        ("sort by patient", page(dm, sort="patient")),
        ("page 200 (offset 9,950)", page(dm, page_number=200)),
        ("record history (one record)", history),
        (f"CSV export of one patient's trail ({export_patient():,} CSV rows)", export_patient),
    ]


def http_page(users) -> tuple[float, float, int]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users["bench.monitor"])
    return timed(lambda: client.get("/monitoring/audit/", {"form": "labs.labresult"}))


def write_results(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    section = f"{MARK_START}\n{text.rstrip()}\n{MARK_END}"
    if MARK_START in current and MARK_END in current:
        before, rest = current.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        current = before + section + after
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--refill", action="store_true", help="truncate the entries first")
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (COPY and the plans need it).")
    call_command("migrate", verbosity=0)
    sites, patients, users = setup_trial()
    if args.refill:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditentry RESTART IDENTITY CASCADE")
    missing = args.rows - AuditEntry.objects.count()
    fill_seconds = fill(missing, sites=sites, patients=patients, users=users) if missing > 0 else 0
    total = AuditEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('audit_auditentry'))")
        size = cursor.fetchone()[0]
    lines = [
        "## Audit-trail review over 1,000,000 entries (issue 7)",
        "",
        f"`DATABASE_URL=postgres://…/edc_bench .venv/bin/python bench/audit_review.py` — "
        f"{timezone.localdate()}, {version}.",
        "",
        f"* `audit_auditentry`: {total:,} rows ({size} with its indexes), 3 sites, "
        f"{3 * PATIENTS_PER_SITE} patients, {len(clinical_models())} forms, {DAYS} days."
        + (f" COPY of {missing:,} rows: {fill_seconds:.1f} s." if missing > 0 else ""),
        "* Each line: the review's selector + filters + one page of 50 rows (ORM objects with "
        "user, patient and site joined), warm cache, median and worst of 7 runs; queries per run.",
        "",
        "| scenario | median ms | worst ms | queries |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, fn in scenarios(sites=sites, patients=patients, users=users):
        median, worst, queries = timed(fn)
        lines.append(f"| {name} | {median:.1f} | {worst:.1f} | {queries} |")
        print(lines[-1], flush=True)
    median, worst, queries = http_page(users)
    lines.append(
        f"| full HTTP page `/monitoring/audit/?form=labs.labresult` (monitor, rendered) "
        f"| {median:.1f} | {worst:.1f} | {queries} |"
    )
    print(lines[-1])
    lines += [
        "",
        "Design: one `AuditEntry` row per audited write, written in the write's transaction;",
        "a B-tree index per filter ending on `at` (`(site, at)`, `(patient, -at)`,",
        "`(user, -at)`, `(model_label, -at)`, `(action, -at)`, `(content_type, object_id, at)`,",
        "`(at)`), so a filtered page newest-first is an index range read that stops after 51",
        "rows; the changed-field filter uses a GIN index on",
        "`string_to_array(btrim(changed_fields, ','), ',')` (PostgreSQL only; element statistics",
        "let the planner pick it for rare fields and the time index for common ones). Pages",
        "never count rows (next-page link from a 51st row); the API uses cursor pagination.",
        "Before those two choices the rare-field filter was a 340 ms sequential scan and",
        "sorting by form/user a 0.3–2.3 s sort. Deep offsets grow linearly (page 200 above);",
        "the CSV export streams `values()` rows at roughly 20,000 entries/s.",
    ]
    text = "\n".join(lines) + "\n"
    if args.no_write:
        print(text)
    else:
        write_results(text)
        print("Written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
