"""Benchmark: `make demo` from an installed venv to the first page (issue 19 §6).

Runs the demo's own steps as `make demo` does — ``manage.py migrate``, ``load_demo``,
then ``runserver`` until the first page answers — on a fresh SQLite file of its
own (never the developer's db.sqlite3), and times each step::

    .venv/bin/python bench/demo.py              # wall and CPU seconds of each step
    .venv/bin/python bench/demo.py --profile    # load_demo in process: queries by kind

``--profile`` counts every SQL statement ``load_demo`` sends (``connection.execute_wrapper``)
by kind (SELECT / EXISTS / INSERT / UPDATE / other) and lists the most frequent statements, to
show where the time goes.
"""

import argparse
import collections
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable  # the venv this runs in (make demo: .venv/bin/python)
RESULTS = ROOT / "bench" / "RESULTS.md"
# The steps of `make demo` before runserver (load_demo also syncs the role groups; the system
# checks run once, by runserver).
STEPS = (
    ("migrate", ["migrate", "--noinput", "--verbosity", "0", "--skip-checks"]),
    ("load_demo", ["load_demo", "--skip-checks"]),
)


def _env(db_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    env["DJANGO_SETTINGS_MODULE"] = "edc.settings.local"
    env.pop("DATABASE_MIGRATION_URL", None)
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _step(args: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, output) of one ``manage.py`` command."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return elapsed, _cpu() - cpu, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _first_page(env: dict) -> float:
    """Seconds from starting runserver to the first page (the sign-in page) answering 200."""
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    if page.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
        raise SystemExit("runserver did not answer within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure() -> dict:
    """Wall and CPU seconds of each step of `make demo` on a fresh SQLite file.

    CPU seconds (user + system of the command) are what the step costs on an idle machine;
    wall seconds also count the waits for a CPU shared with other work (load average shown).
    """
    workdir = Path(tempfile.mkdtemp(prefix="edc-demo-bench-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    try:
        env = _env(workdir / "demo.sqlite3")
        timings, cpu, outputs = {}, {}, {}
        for name, args in STEPS:
            timings[name], cpu[name], outputs[name] = _step(args, env)
            print(f"{name:<11} {timings[name]:6.1f} s wall {cpu[name]:6.1f} s CPU", flush=True)
        started = _cpu()
        timings["first page"] = _first_page(env)
        cpu["first page"] = _cpu() - started
        print(f"first page  {timings['first page']:6.1f} s wall", flush=True)
        timings["total"] = sum(timings.values())
        cpu["total"] = sum(cpu.values())
        print(
            f"total       {timings['total']:6.1f} s wall {cpu['total']:6.1f} s CPU "
            f"(load average at end {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        print(outputs["load_demo"], flush=True)
        return {"timings": timings, "cpu": cpu}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _kind(sql: str) -> str:
    head = sql.lstrip()[:12].upper()
    if re.match(r'\s*SELECT (1|%s) AS "a" FROM', sql) and "LIMIT 1" in sql:  # .exists()
        return "EXISTS"
    for kind in ("SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE"):
        if head.startswith(kind):
            return kind
    return "other"


def profile(top: int) -> dict:
    """load_demo in this process on a fresh SQLite file: statements by kind, the most frequent."""
    workdir = Path(tempfile.mkdtemp(prefix="edc-demo-profile-"))
    os.environ.update(_env(workdir / "demo.sqlite3"))
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--noinput", verbosity=0)
    call_command("sync_roles", verbosity=0)
    kinds: collections.Counter = collections.Counter()
    shapes: collections.Counter = collections.Counter()

    def count(execute, sql, params, many, context):
        kinds[_kind(sql)] += 1
        shapes[re.sub(r"\s+", " ", sql)[:160]] += 1
        return execute(sql, params, many, context)

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        call_command("load_demo")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    total = sum(kinds.values())
    print(f"load_demo {elapsed:.1f} s wall, {cpu:.1f} s CPU, {total} statements")
    for kind, n in kinds.most_common():
        print(f"  {kind:<9} {n:>7}")
    print("most frequent statements:")
    for shape, n in shapes.most_common(top):
        print(f"  {n:>6}  {shape}")
    shutil.rmtree(workdir, ignore_errors=True)
    return {"seconds": elapsed, "cpu": cpu, "total": total, "kinds": dict(kinds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="count load_demo's queries")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.profile:
        profile(args.top)
    else:
        measure()


if __name__ == "__main__":
    main()
