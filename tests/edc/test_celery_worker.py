"""A real Celery worker consuming from the real Redis broker (CI runs this; REDIS_URL set)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from edc.celery import app

from ..conftest import require_real_service

ROOT = Path(__file__).resolve().parents[2]


def redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    require_real_service(redis_reachable(), "Redis (set REDIS_URL)")
    queue = f"ci-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "edc.settings.test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "edc",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.redis
def test_a_real_worker_consumes_a_task_from_redis_and_returns_its_result(worker):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = app.send_task("edc.ping", args=[41], queue=worker)
        assert result.get(timeout=60) == 42
        assert result.successful()
    finally:
        app.conf.task_always_eager = eager
