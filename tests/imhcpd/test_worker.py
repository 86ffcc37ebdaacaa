"""The real path: a Celery worker process on Redis, sharing the PostgreSQL test database.

Runs in `.ci/run` (CELERY_BROKER_URL and a PostgreSQL DATABASE_URL set); skipped in the
fast SQLite run, unless IMHCPD_REQUIRE_WORKER=1 makes a missing set-up an error.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from imhcpd.celery import app as celery_app
from imhcpd.tasks import clear_expired_sessions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


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
