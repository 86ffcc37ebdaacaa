"""Re-queueing exports (portfolios.exports.worker.stale_exports, tasks.requeue_stale_exports)
and duplicate deliveries: only a job whose hand-over to the broker failed is queued again,
and one delivery renders at a time; a running export is taken over only when its worker is
certainly gone (past the hard time limit, or its process seen dead on this machine)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
import time_machine
from django.utils import timezone

from portfolios.exports import services as exports
from portfolios.exports import tasks, worker
from portfolios.exports.models import PortfolioExport
from tests.exports.test_exports import BrokerDown, FakeRender, events, request_export

pytestmark = pytest.mark.django_db
Status = PortfolioExport.Status
LIMIT = dt.timedelta(seconds=worker.RENDER_TIME_LIMIT)


@pytest.fixture
def fake_render(monkeypatch) -> FakeRender:  # type: ignore[no-untyped-def]
    fake = FakeRender()
    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)
    return fake


@pytest.fixture
def queued(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """A broker that accepts every message (and no worker takes them yet)."""
    accepted: list[int] = []
    monkeypatch.setattr(tasks.render_export, "delay", accepted.append)
    return accepted


def _request(practitioner, capture, **options) -> PortfolioExport:  # type: ignore[no-untyped-def]
    return request_export(practitioner, capture, **options)


RunningFactory = Callable[..., PortfolioExport]


@pytest.fixture
def running(practitioner, queued, django_capture_on_commit_callbacks) -> RunningFactory:  # type: ignore[no-untyped-def]
    """An export requested (and accepted by the broker), then marked as a worker's start
    leaves it: RUNNING on its first attempt since `started_at`, held by `worker_pid` on
    `worker_host` (by default a process on another machine)."""

    def make(
        *,
        started_at: dt.datetime,
        worker_pid: int | None = 1234,
        worker_host: str = "another-machine",
    ) -> PortfolioExport:
        export = _request(practitioner, django_capture_on_commit_callbacks)
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=Status.RUNNING,
            attempts=1,
            started_at=started_at,
            worker_pid=worker_pid,
            worker_host=worker_host,
        )
        return export

    return make


def test_a_backlog_the_broker_accepted_is_never_queued_again(
    practitioner, queued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        export = _request(practitioner, django_capture_on_commit_callbacks)
    assert queued == [export.pk]
    assert (export.status, export.published_at) == (Status.PENDING, start)
    # Workers are busy for an hour: the message waits in the queue, and beat leaves it there.
    for minutes in (3, 10, 60):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert tasks.requeue_stale_exports() == 0
    assert queued == [export.pk]
    assert events(export) == [("", "pending")]


def test_only_a_failed_hand_over_is_queued_again(
    practitioner, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured, and it is down
    start = timezone.now()
    monkeypatch.setattr(tasks.render_export, "delay", BrokerDown())
    with time_machine.travel(start, tick=False):
        lost = _request(practitioner, django_capture_on_commit_callbacks)
    assert lost.published_at is None
    accepted: list[int] = []
    monkeypatch.setattr(tasks.render_export, "delay", accepted.append)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        fine = _request(practitioner, django_capture_on_commit_callbacks, level=1)
    assert accepted == [fine.pk]

    later = start + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert tasks.requeue_stale_exports() == 1
        assert tasks.requeue_stale_exports() == 0  # now accepted: not again
    assert accepted == [fine.pk, lost.pk]
    lost.refresh_from_db()
    assert (lost.queued_at, lost.published_at) == (later, later)


def test_a_retried_export_whose_hand_over_failed_is_queued_again(
    practitioner, fake_render, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # Published once, failed, retried while the broker was down: the old mark does not count.
    fake_render.failures = [ValueError("bad data")]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        export = _request(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.FAILED
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured, and it is down
    monkeypatch.setattr(tasks.render_export, "delay", BrokerDown())
    with (
        time_machine.travel(start + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        exports.export_retry(export=export, by=practitioner)
    accepted: list[int] = []
    monkeypatch.setattr(tasks.render_export, "delay", accepted.append)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert tasks.requeue_stale_exports() == 1
    assert accepted == [export.pk]


def test_a_second_delivery_leaves_a_running_export_alone(running, fake_render, queued) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    # Another worker (another machine) started it a minute ago and is still rendering.
    export = running(started_at=now - dt.timedelta(minutes=1))
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts, fake_render.calls) == (Status.RUNNING, 1, 0)
    assert [e for e in events(export) if e[1] == "running"] == []
    # Beat does not take it either, until the hard time limit has passed.
    assert tasks.requeue_stale_exports(now=now) == 0
    assert queued == [export.pk]


def test_a_running_export_is_taken_over_after_its_hard_time_limit(running, fake_render) -> None:  # type: ignore[no-untyped-def]
    export = running(started_at=timezone.now() - LIMIT - dt.timedelta(seconds=1))
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts, fake_render.calls) == (Status.DONE, 2, 1)
    assert events(export)[1:] == [
        ("running", "pending"),
        ("pending", "running"),
        ("running", "done"),
    ]
    assert export.events.filter(detail="previous worker lost; taken over").count() == 1


def test_a_running_export_whose_process_died_here_is_taken_over_at_once(
    running, fake_render
) -> None:  # type: ignore[no-untyped-def]
    # The pool child was killed (out of memory): its message comes back to this machine.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    export = running(
        started_at=timezone.now() - dt.timedelta(seconds=20),
        worker_pid=gone.pid,
        worker_host=worker.HOST,
    )
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts) == (Status.DONE, 2)


def test_a_live_process_here_keeps_its_export(running, fake_render) -> None:  # type: ignore[no-untyped-def]
    export = running(
        started_at=timezone.now() - dt.timedelta(seconds=20),
        worker_pid=os.getppid(),
        worker_host=worker.HOST,
    )
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, fake_render.calls) == (Status.RUNNING, 0)


def test_beat_and_a_delivery_taking_over_at_once_move_it_once(running, fake_render) -> None:  # type: ignore[no-untyped-def]
    # Nobody recorded as holding it: only the time limit decides.
    export = running(
        started_at=timezone.now() - LIMIT - dt.timedelta(minutes=5), worker_pid=None, worker_host=""
    )
    seen_by_beat = PortfolioExport.objects.get(pk=export.pk)
    # A delivery takes it over and starts again first...
    worker.export_run(export_id=export.pk)
    # ...then beat, with its older reading, must not undo that start.
    assert worker._release(seen_by_beat, detail="worker lost; re-queued") is False
    export.refresh_from_db()
    assert export.status == Status.DONE


def test_a_worker_elsewhere_that_cannot_be_asked_keeps_its_export(running, fake_render) -> None:  # type: ignore[no-untyped-def]
    # Started by a Celery worker on another machine; with no broker to ask whether it still
    # answers (eager here), the export waits for the hard time limit rather than be rendered
    # twice. (tests/imhcpd/test_multi_node.py asks a real broker about a killed worker.)
    export = running(
        started_at=timezone.now() - dt.timedelta(seconds=20),
        worker_host="worker-9@another-machine",
    )
    worker.export_run(export_id=export.pk, node="worker-1@this-machine")
    export.refresh_from_db()
    assert (export.status, export.worker_host, fake_render.calls) == (
        Status.RUNNING,
        "worker-9@another-machine",
        0,
    )
