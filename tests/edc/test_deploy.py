"""The production settings pass Django's deployment checklist, configured only by environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edc.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-the-check",
        "DATABASE_URL": "postgres://edc:edc@127.0.0.1:5432/edc",
        "ALLOWED_HOSTS": "edc.example.org",
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "edc.settings.production",
        "DATABASE_URL": "postgres://edc:edc@127.0.0.1:5432/edc",
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "SECRET_KEY must be set" in proc.stderr


def _compose() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _smoke_script() -> str:
    return (ROOT / ".ci" / "production-smoke").read_text()


def test_docker_compose_runs_what_the_production_smoke_job_proves():
    """The documented stack and the CI smoke job run the same commands with the same settings.

    Docker cannot run here, so the smoke job is the only proof the stack works; this keeps
    the two from drifting: every manage.py step, every worker's queues and every setting that
    docker-compose gives the app are also what the smoke job runs and sets.
    """
    import re
    import shlex

    compose, smoke = _compose(), _smoke_script()
    app = compose["x-app"]
    assert app["environment"]["DJANGO_SETTINGS_MODULE"] == "edc.settings.production"
    assert "export DJANGO_SETTINGS_MODULE=edc.settings.production" in smoke
    for name in app["environment"]:
        if name in {"EMAIL_BACKEND", "SECURE_SSL_REDIRECT", "DATABASE_REPLICA_URL"}:
            continue  # defaults of the production settings; the smoke job keeps them
        assert re.search(rf"\b{name}=", smoke), f"the smoke job does not set {name}"
    steps = re.findall(
        r"python manage\.py ([a-z_]+(?: --[a-z-]+)*)", compose["services"]["web"]["command"]
    )
    assert steps == ["migrate --noinput", "sync_roles", "collectstatic --noinput"]
    for step in steps:
        assert f'"$PY" manage.py {step}' in smoke, f"the smoke job does not run {step}"
    assert "gunicorn edc.wsgi:application" in compose["services"]["web"]["command"]
    assert '/gunicorn" edc.wsgi:application' in smoke
    commands = [str(s.get("command", "")) for s in compose["services"].values()]
    workers = [c for c in commands if c.startswith("celery -A edc worker")]
    assert len(workers) >= 2
    for command in workers:
        args = shlex.split(command)
        queues = args[args.index("-Q") + 1]
        assert f"worker -l info -Q {queues} " in smoke, f"the smoke job runs no {queues} worker"
    assert 'celery" -A edc beat' in smoke and "beat" in compose["services"]


def test_the_application_role_is_not_the_owner_in_the_documented_stack():
    compose = _compose()
    env = compose["x-app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://edc_app:")
    assert env["DATABASE_MIGRATION_URL"].startswith("postgres://edc_owner:")
    init = compose["configs"]["postgres-roles"]["content"]
    assert "CREATE DATABASE edc OWNER edc_owner" in init
    assert "CREATE ROLE edc_app LOGIN" in init and "NOSUPERUSER" in init


def _production_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edc.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-the-check",
        "DATABASE_URL": "postgres://edc:edc@127.0.0.1:5432/edc",
    }


def test_the_demo_trial_and_its_published_passwords_cannot_be_loaded_in_production():
    proc = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "cannot be loaded under production settings" in proc.stderr
    installed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.apps import apps; "
            "print(apps.is_installed('edc.demo'))",
        ],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert installed.stdout.strip() == "False", installed.stderr


def test_every_module_the_runtime_imports_is_a_runtime_dependency():
    """`pip install .` must be enough: no product module imports a development-only package."""
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {
        d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for d in project["dependencies"]
    }
    dev_only = {
        d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for d in project["optional-dependencies"]["dev"]
    } - runtime
    # Import names of the development packages that differ from their distribution names.
    import_names = {"pyyaml": "yaml", "factory_boy": "factory", "pytest-django": "pytest_django"}
    dev_modules = {import_names.get(d, d.replace("-", "_")) for d in dev_only}
    offenders = []
    for package in ("edc", "patients", "dosing", "assessments", "labs"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text()).body:  # module level: what import runs
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                offenders += [
                    f"{path.relative_to(ROOT)}: {n}"
                    for n in names
                    if n.split(".")[0] in dev_modules
                ]
    assert not offenders, offenders
