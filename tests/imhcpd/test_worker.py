"""The real path: a Celery worker process on Redis, sharing the PostgreSQL test database.

Runs in `.ci/run` (CELERY_BROKER_URL and a PostgreSQL DATABASE_URL set); skipped in the
fast SQLite run, unless IMHCPD_REQUIRE_WORKER=1 makes a missing set-up an error.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from kombu import pools

from imhcpd.celery import app as celery_app
from imhcpd.tasks import clear_expired_sessions
from tests.conftest import ROOT, _why_no_worker

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


# --- A broker outage mid-journey: a private Redis stopped and started again -----------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, so stopping it disturbs no one else's tests."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc = None

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False


def _use_broker(url: str) -> None:
    # Celery reads its broker once (and CELERY_BROKER_URL in the environment wins over its
    # configuration): point this process's app at `url`, drop pooled connections to the old.
    os.environ["CELERY_BROKER_URL"] = url
    celery_app.conf.broker_url = url
    # app.pool is kombu's global pool for the URL: closing it without clearing kombu's
    # registry leaves a closed pool that later tests get back ("Acquire on closed pool"),
    # and eager tasks acquire a producer too. reset() closes every pool and forgets them.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.control.mailbox.__dict__.pop("producer_pool", None)


@pytest.fixture
def private_broker(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A private Redis, a worker on it (file email backend, to count what it sends) and this
    process publishing to it. Yields (redis, mail folder)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail("worker tests required but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    reason = _why_no_worker()
    if reason:
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail(f"worker tests required but cannot run: {reason}")
        pytest.skip(reason)
    server = PrivateRedis()
    server.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]  # the test database
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_BROKER_URL": server.url,
        "IMHCPD_TEST_MAILER_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "imhcpd", "worker",
         "--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING",
         "--hostname", f"imhcpd-private-{server.port}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    before = celery_app.conf.broker_url
    _use_broker(server.url)
    settings.CELERY_BROKER_URL = server.url
    try:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(timeout=1):
            assert worker.poll() is None, "the private worker exited during start-up"
            assert time.monotonic() < deadline, "the private worker did not answer in 30 s"
        yield server, mail_dir
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        if server.proc is not None:
            server.stop()
        _use_broker(before)


def _sent(mail_dir: Path) -> list[email.message.Message]:
    # The file backend appends each message to its connection's file, then a line of dashes.
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
            if raw.strip():
                messages.append(email.message_from_string(raw))
    return messages


def _wait(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.2)


def test_a_broker_outage_mid_journey_loses_nothing_and_sends_nothing_twice(  # type: ignore[no-untyped-def]
    client, practitioner, settings, private_broker
) -> None:
    from mailer.models import RESULT_SUCCESS, Message, MessageLog

    from imhcpd.tasks import send_queued_mail
    from portfolios.exports.models import PortfolioExport
    from portfolios.exports.tasks import requeue_stale_exports

    server, mail_dir = private_broker
    # Django's test set-up swaps EMAIL_BACKEND for locmem; put the site's outbox back, so
    # allauth's emails take the same path as in production.
    settings.EMAIL_BACKEND = "imhcpd.mail.OutboxBackend"
    client.force_login(practitioner)

    # 1. Broker up: an invitation is emailed by the worker at once.
    invite = {"name": "Ada Example", "email": "ada@example.org", "role": "mentor"}
    assert client.post("/supervision/supervisors/", invite).status_code == 302
    _wait(lambda: len(_sent(mail_dir)) == 1, 30, "the first invitation was not sent")

    # 2. Redis goes away. Every request still answers; mail waits in the outbox.
    server.stop()
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert (ready.status_code, ready.json()["checks"]["broker"]) == (503, "failing")
    invite = {"name": "Bea Example", "email": "bea@example.org", "role": "mentor"}
    assert client.post("/supervision/supervisors/", invite).status_code == 302
    reset = client.post("/accounts/password/reset/", {"email": practitioner.email})
    assert reset.status_code == 302
    response = client.post("/portfolio/exports/", {"kind": "portfolio", "level": "2"})
    assert response.status_code == 302
    export = PortfolioExport.objects.get()
    assert (export.status, export.published_at) == ("pending", None)
    assert Message.objects.count() == 2
    assert len(_sent(mail_dir)) == 1

    # 3. Redis is back (empty: nothing survived in it). Beat's jobs find what is waiting;
    # the export's grace period is taken as passed.
    server.start()
    assert client.get("/health/ready").status_code == 200
    PortfolioExport.objects.filter(pk=export.pk).update(
        queued_at=timezone.now() - timedelta(minutes=3)
    )
    send_queued_mail.delay()
    send_queued_mail.delay()  # beat and a nudge at once: still once each
    requeue_stale_exports.delay()
    _wait(lambda: len(_sent(mail_dir)) >= 3, 60, "the waiting emails were not sent")
    _wait(
        lambda: PortfolioExport.objects.get(pk=export.pk).status in ("done", "failed"),
        120,
        "the export did not finish",
    )
    export.refresh_from_db()
    assert export.status == "done", export.error
    assert export.attempts == 1
    # The export's own email ("ready") goes through the outbox too.
    _wait(lambda: len(_sent(mail_dir)) >= 4, 30, "the export's email was not sent")
    send_queued_mail.delay()
    time.sleep(2)

    sent = _sent(mail_dir)
    recipients = sorted(m["To"] for m in sent)
    assert recipients == sorted(
        ["ada@example.org", "bea@example.org", practitioner.email, practitioner.email]
    )
    ids = [m["Message-ID"] for m in sent]
    assert len(set(ids)) == len(ids) == 4, "an email was sent twice"
    assert sorted(MessageLog.objects.filter(result=RESULT_SUCCESS).values_list(
        "message_id", flat=True
    )) == sorted(ids)  # fmt: skip
    assert Message.objects.count() == 0
