"""/health, production settings (`check --deploy`), and the eager Celery path."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from imhcpd import views
from imhcpd.tasks import clear_expired_sessions
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def test_health_ok(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_503_when_database_fails(client, monkeypatch) -> None:
    from django.db import OperationalError

    class Broken:
        def cursor(self):  # type: ignore[no-untyped-def]
            raise OperationalError("database is down")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["checks"]["database"] == "failing"


def test_health_503_when_configured_broker_is_unreachable(client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "failing"}


@pytest.mark.parametrize("url", ["/health", "/health/ready"])
def test_readiness_checks_the_database_and_the_broker(client, url) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    # The broker is checked only where one is configured (CI's second run has Redis).
    expected = {"database": "ok", **({"broker": "ok"} if settings.CELERY_BROKER_URL else {})}
    assert response.json() == {"status": "ok", "checks": expected}


def test_liveness_answers_while_the_broker_and_database_are_down(
    client, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # A Redis outage must not take every web node out of a load balancer: liveness asks no
    # dependency, readiness reports the outage.
    from django.db import OperationalError

    class Broken:
        def cursor(self):  # type: ignore[no-untyped-def]
            raise OperationalError("database is down")

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert client.get("/health/ready").status_code == 503
    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.get("/health/ready").status_code == 503
    assert client.post("/health/live").status_code == 405


def test_the_compose_healthcheck_asks_liveness() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "127.0.0.1:8000/health/live" in compose
    assert "127.0.0.1:8000/health'" not in compose


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DJANGO_", "SECRET_KEY", "DEBUG", "SECURE_", "ALLOWED_HOSTS", "IMHCPD_TESTING")
        )
        and k not in ("SITE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jq8vZ2pX7mN4bR9tW1yH6cF0dL5sA8gE3uI7oP2qT9xV4zB1nM6",
    "ALLOWED_HOSTS": "imhcpd.example.org",
    "DATABASE_URL": "sqlite:////tmp/imhcpd-deploy-check.sqlite3",
    # Required with DEBUG off (fail closed); `check` connects to neither.
    "SITE_URL": "https://imhcpd.example.org",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "redis://redis:6379/1",
}


def test_check_deploy_is_clean_with_production_values() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check is W021, HSTS preload, which is opt-in (SECURE_HSTS_PRELOAD).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_secret_key_is_required_when_debug_is_off() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_clear_expired_sessions_removes_only_expired_ones() -> None:
    store = SessionStore()
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    live = SessionStore()
    live.create()
    clear_expired_sessions.apply()  # in-process; tests/test_worker.py sends it to a worker
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


def test_every_scheduled_job_names_a_registered_task() -> None:
    # A task moved to another module gets a new name; beat would then send a name no worker
    # knows, and the job would silently never run.
    from imhcpd.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "nothing is scheduled"
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
