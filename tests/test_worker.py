"""The real path: a Celery worker process on Redis, sharing the PostgreSQL test database.

Runs in `.ci/run` (CELERY_BROKER_URL and a PostgreSQL DATABASE_URL set); skipped in the
fast SQLite run, unless IMHCPD_REQUIRE_WORKER=1 makes a missing set-up an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from imhcpd.celery import app as celery_app
from imhcpd.tasks import clear_expired_sessions
from tests.conftest import ROOT

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _why_not_runnable() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return "CELERY_BROKER_URL is not set"
    if connection.vendor != "postgresql":
        return "the worker needs a database another process can share (PostgreSQL)"
    return None


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        reason = _why_not_runnable()
        test_db = connection.settings_dict["NAME"]
    if reason:
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail(f"worker tests required but cannot run: {reason}")
        pytest.skip(reason)
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{test_db}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "imhcpd",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--hostname",
            "imhcpd-test@%h",
            "--purge",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=1)
            if replies:
                break
            assert proc.poll() is None, "the Celery worker exited during start-up"
        else:
            pytest.fail("the Celery worker did not answer a ping within 30 s")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_queued_task_is_run_by_the_worker(celery_worker_process) -> None:  # type: ignore[no-untyped-def]
    assert not celery_app.conf.task_always_eager
    store = SessionStore()
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    clear_expired_sessions.delay()
    deadline = time.monotonic() + 20
    while Session.objects.filter(pk=store.session_key).exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
        time.sleep(0.2)


def test_health_checks_the_real_broker(client, celery_worker_process) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
