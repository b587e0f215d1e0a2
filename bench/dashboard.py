"""Benchmark: the trial dashboard and its endpoints at N patients (issue 24).

Loads the synthetic trial of ``bench/synthetic.py`` (or reuses the one loaded), then, for
each of the five roles, requests the dashboard through Django's test client (URL routing to
rendered page, no network): once with an empty cache (the page computed: RECIST courses of
every patient, endpoints, figures) and ``--runs`` times more (served from the cache while the
data do not change), with its size and queries. It also times the endpoint maths alone at
n = 5,000: the exact big-integer binomial code it replaced (kept below as the reference) and
``assessments.endpoints``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_h7_bench \\
        .venv/bin/python bench/dashboard.py --patients 10000          # load, then measure
    DATABASE_URL=… .venv/bin/python bench/dashboard.py --reuse --runs 20   # measure again

It migrates the target database and wipes the seeded tables: never point it at real data.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

import synthetic  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments import endpoints  # noqa: E402
from patients.models import Patient  # noqa: E402

settings.DEBUG = False
settings.ALLOWED_HOSTS = ["*"]


def old_clopper_pearson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The code issue 24 replaced: bisection on tails summed with exact big-integer
    binomial coefficients (reference for the timing and the values)."""
    log_comb = [math.log(math.comb(n, k)) for k in range(n + 1)]

    def mass(ks, p):
        lp, lq = math.log(p), math.log1p(-p)
        return math.fsum(math.exp(log_comb[k] + k * lp + (n - k) * lq) for k in ks)

    def bisect(decreasing, target):
        low, high = 0.0, 1.0
        for _ in range(200):
            if high - low <= 1e-12:
                break
            mid = (low + high) / 2
            low, high = (mid, high) if decreasing(mid) > target else (low, mid)
        return (low + high) / 2

    tail = (1 - level) / 2
    low = 0.0 if successes == 0 else bisect(lambda p: -mass(range(successes, n + 1), p), -tail)
    high = 1.0 if successes == n else bisect(lambda p: mass(range(successes + 1), p), tail)
    return low, high


def endpoint_maths(n: int = 5000) -> dict:
    successes = n // 2
    start = time.perf_counter()
    old = old_clopper_pearson(successes, n)
    old_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(100):
        new = endpoints.clopper_pearson(successes, n)
    new_s = (time.perf_counter() - start) / 100
    diff = max(abs(a - b) for a, b in zip(old, new, strict=True))
    return {"n": n, "old_s": old_s, "new_s": new_s, "max_diff": diff}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(runs: int) -> list[dict]:
    users = synthetic.users()
    url = reverse("dashboard:index")
    rows = []
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        cache.clear()
        client.get(reverse("home"))  # the process warm (imports, templates) before timing
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            page = client.get(url)
            cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert page.status_code == 200, (role, page.status_code)
        cold_queries = len(queries)
        warm, warm_cpu = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start, cpu = time.perf_counter(), time.process_time()
                page = client.get(url)
                warm.append(time.perf_counter() - start)
                warm_cpu.append(time.process_time() - cpu)
        rows.append(
            {
                "role": role,
                "cold_ms": cold * 1000,
                "cold_cpu_ms": cold_cpu * 1000,
                "cpu_ms": statistics.median(warm_cpu) * 1000,
                "median_ms": statistics.median(warm) * 1000,
                "p95_ms": percentile(warm, 0.95) * 1000,
                "kib": len(page.content) / 1024,
                "cold_queries": cold_queries,
                "queries": len(queries),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure the trial already loaded")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        print(f"loading {args.patients:,} patients …")
        print(f"loaded in {synthetic.seed(args.patients):.0f} s")
    print(f"--- {Patient.objects.count():,} patients, load average {os.getloadavg()[0]:.1f}")
    maths = endpoint_maths()
    print(
        f"Clopper–Pearson at n = {maths['n']:,}: exact big integers {maths['old_s'] * 1000:.0f} ms,"
        f" beta quantiles {maths['new_s'] * 1000:.2f} ms "
        f"(×{maths['old_s'] / maths['new_s']:,.0f}; bounds differ by {maths['max_diff']:.1e})"
    )
    print(
        "| role | computed (empty cache) ms (CPU) | cached median ms (CPU) | cached p95 ms | KiB |"
        " queries computed / cached |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in measure(args.runs):
        print(
            f"| {r['role']} | {r['cold_ms']:.0f} ({r['cold_cpu_ms']:.0f}) | "
            f"{r['median_ms']:.0f} ({r['cpu_ms']:.0f}) | {r['p95_ms']:.0f} | "
            f"{r['kib']:.0f} | {r['cold_queries']} / {r['queries']} |"
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
