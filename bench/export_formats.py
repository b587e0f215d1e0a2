"""Benchmark: the submission formats of every domain (issue 22) — CDISC Dataset-JSON 1.1
(JSON and NDJSON) and SAS XPORT v5 — rows per second and peak Python memory.

Seeds the same synthetic trial as ``bench/export_domains.py`` (its ``seed``: plain
``bulk_create``, not clinical data) at a small size, then for every domain and format streams
the file exactly as a download does (``edc.exports.submission.dataset_pieces`` inside
``in_read_transaction``), discarding the bytes:

* seconds and rows per second (the median of ``--repeat`` runs; each run measures the domain
  first — row count and lengths for the header — then writes it, both included);
* the peak Python memory of one run (``tracemalloc``, in a separate pass). Dataset-JSON and
  NDJSON stream (flat memory); XPT is written by ReadStat from a complete table, so its peak
  grows with the domain's rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/edc_bench_formats \\
        .venv/bin/python bench/export_formats.py --patients 200

It migrates the target database and wipes the benchmark's tables first; never point it at a
database with real data. ``--measure-only`` measures what is already seeded.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from edc.exports.constants import SUBMISSION_FORMATS  # noqa: E402
from edc.exports.context import ExportContext, in_read_transaction  # noqa: E402
from edc.exports.domains import DOMAINS  # noqa: E402
from edc.exports.submission import dataset_pieces  # noqa: E402
from patients.models import Patient  # noqa: E402

LABELS = {"dsjson": "Dataset-JSON", "ndjson": "NDJSON", "xpt": "XPT v5"}


def _seeding():
    """``seed`` and ``reader`` of bench/export_domains.py (the same synthetic trial)."""
    spec = importlib.util.spec_from_file_location("export_domains", HERE / "export_domains.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed, module.reader


class Count:
    rows = 0


def run(domain, user, fmt: str) -> tuple[int, int]:
    ctx = ExportContext(user=user)
    counter = Count()
    size = 0
    for piece in in_read_transaction(dataset_pieces(domain, ctx, fmt, counter)):
        size += len(piece)
    return counter.rows, size


def measure(user, repeat: int) -> list[dict]:
    results = []
    for fmt in SUBMISSION_FORMATS:
        for domain in DOMAINS:
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                rows, size = run(domain, user, fmt)
                times.append(time.perf_counter() - start)
            tracemalloc.start()
            run(domain, user, fmt)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            seconds = statistics.median(times)
            results.append(
                {
                    "fmt": fmt,
                    "domain": domain.code,
                    "rows": rows,
                    "bytes": size,
                    "seconds": seconds,
                    "peak": peak,
                }
            )
            print(
                f"{LABELS[fmt]:<13} {domain.code:<3} {rows:>8} rows {size / 2**20:7.2f} MiB "
                f"{seconds:7.2f} s {rows / seconds if seconds else 0:9.0f} rows/s "
                f"peak {peak / 2**20:6.2f} MiB",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    seed, reader = _seeding()
    if not args.measure_only:
        start = time.perf_counter()
        seed(args.patients)
        print(f"--- {args.patients} patients seeded in {time.perf_counter() - start:.0f} s")
    user = reader()
    print(f"--- {Patient.objects.count()} patients, {args.repeat} runs per line (median)")
    results = measure(user, args.repeat)
    for fmt in SUBMISSION_FORMATS:
        mine = [r for r in results if r["fmt"] == fmt]
        rows = sum(r["rows"] for r in mine)
        seconds = sum(r["seconds"] for r in mine)
        print(
            f"{LABELS[fmt]:<13} ALL {rows:>8} rows {seconds:7.2f} s "
            f"{rows / seconds:9.0f} rows/s  peak {max(r['peak'] for r in mine) / 2**20:.2f} MiB"
        )


if __name__ == "__main__":
    main()
