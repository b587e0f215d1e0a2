"""Every benchmark of issue 24 still runs (tiny trial, SQLite file of its own; not timed).

Each script is run as a user would run it, in its own process: the first loads a synthetic
trial of a few patients (migrating a fresh database), the others measure that trial again
(``--reuse``). Only that they finish and print their tables is checked, never a time.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, *args: str, database: Path) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CI"}
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def trial(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    out = run("dashboard.py", "--patients", "6", "--runs", "1", database=database)
    assert "| data_manager |" in out and "Clopper–Pearson at n = 5,000" in out
    return database


def test_the_dashboard_benchmark_loads_a_trial_and_measures_every_role(trial):
    out = run("dashboard.py", "--reuse", "--runs", "1", database=trial)
    assert "6 patients" in out
    assert all(f"| {role} |" in out for role in ("investigator", "monitor", "statistician"))


def test_the_deviation_benchmark_reads_rows_for_every_rule(trial):
    out = run("deviation_sweep.py", "--reuse", "--repeat", "1", database=trial)
    assert "| missed_visit |" in out and "| sae_reported_late |" in out
    assert "steady sweep" in out and "on-save:" in out


def test_the_http_benchmark_serves_pages_under_load(trial):
    out = run("http_load.py", "--users", "2", "--seconds", "3", "--workers", "1", database=trial)
    assert "| **all** |" in out and "server CPU per request" in out


def test_the_http_benchmark_saves_forms_beside_the_readers(trial):
    out = run(
        "http_load.py",
        *("--users", "2", "--seconds", "4", "--workers", "1"),
        *("--writers", "1", "--write-wait", "0.5"),
        database=trial,
    )
    saves = next(line for line in out.splitlines() if line.startswith("| vital signs save |"))
    requests, errors = (int(cell) for cell in saves.split("|")[2:4])
    assert requests >= 1 and errors == 0, saves
