"""Benchmark: the site-risk computation (edc.risk.services.risk_refresh) at N patients (issue 25).

Reuses the synthetic trial of ``bench/export_domains.py`` (``seed``: patients, calendars,
doses, injections, vital signs, laboratory values, adverse events, deviations, tumour
assessments, plain bulk inserts), then spreads the patients over 5 sites and writes the audit
index's "create" entry of every dose, injection and vital-signs record (1–20 days after its
date), which the entry-lag indicators and the weekday check read. Load-test data, inserted
with triggers off for this session (``session_replication_role = replica``): never point it at
a database with real data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench_risk \\
        .venv/bin/python bench/risk.py --patients 1000 10000
"""

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_domains as synthetic  # noqa: E402  (sets up Django)
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import VitalSigns  # noqa: E402
from dosing.models import Imp321Injection, PaclitaxelAdministration  # noqa: E402
from edc.access.models import Site  # noqa: E402
from edc.audit.models import AuditEntry  # noqa: E402
from edc.risk.models import RiskRun, SiteRisk  # noqa: E402
from edc.risk.services import risk_refresh  # noqa: E402
from patients.models import Patient  # noqa: E402

SITES = ("BN01", "BN02", "BN03", "BN04", "BN05")


def spread_and_audit(n: int) -> int:
    """Patients over 5 sites; one audit "create" entry per dose, injection and vital signs."""
    sites = [
        Site.objects.get_or_create(code=code, defaults={"name": f"Bench {code}", "country": "FR"})[
            0
        ]
        for code in SITES
    ]
    rng = random.Random(25)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(f"TRUNCATE {AuditEntry._meta.db_table} RESTART IDENTITY CASCADE")
        for i, site in enumerate(sites):
            cursor.execute(
                f"UPDATE {Patient._meta.db_table} SET site_id = %s WHERE id %% 5 = %s",
                [site.pk, i],
            )
    site_of = dict(Patient.objects.values_list("id", "site_id"))
    written = 0
    for model, date_field in (
        (PaclitaxelAdministration, "administration_date"),
        (Imp321Injection, "injected_at"),
        (VitalSigns, "measured_on"),
    ):
        ct = ContentType.objects.get_for_model(model)
        batch = []
        for pk, patient_id, day in model.objects.values_list("id", "patient_id", date_field):
            day = day.date() if isinstance(day, dt.datetime) else day
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(17))) + dt.timedelta(
                days=rng.randint(0, 20)
            )
            batch.append(
                AuditEntry(
                    at=min(at, timezone.now()),
                    action="create",
                    content_type=ct,
                    object_id=pk,
                    model_label=model._meta.label_lower,
                    version=1,
                    patient_id=patient_id,
                    site_id=site_of[patient_id],
                    reason="Initial entry",
                )
            )
            if len(batch) >= 5000:
                models.QuerySet(model=AuditEntry).bulk_create(batch)
                written += len(batch)
                batch = []
        models.QuerySet(model=AuditEntry).bulk_create(batch)
        written += len(batch)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)
    for n in args.patients:
        start = time.perf_counter()
        synthetic.seed(n)
        entries = spread_and_audit(n)
        seeded = time.perf_counter() - start
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                run = risk_refresh()
                times.append(time.perf_counter() - start)
        rows = SiteRisk.objects.filter(run=run).count()
        findings = sum(len(r.findings) for r in SiteRisk.objects.filter(run=run))
        times.sort()
        print(
            f"{n:>6} patients, {entries:>7} audit entries (seeded in {seeded:.0f} s): "
            f"refresh median {times[len(times) // 2]:.2f} s (min {times[0]:.2f}, "
            f"max {times[-1]:.2f}), {len(queries.captured_queries)} queries, "
            f"{rows} site rows, {findings} findings"
        )
        RiskRun.objects.all().delete()


if __name__ == "__main__":
    main()
