"""Export jobs: render one PDF, and the beat jobs that re-queue stale exports and expire old
files. Thin: each takes ids or nothing and calls `portfolios.exports.worker`."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from portfolios.exports import worker
from portfolios.exports.models import PortfolioExport

# The revalidation reminders' beat task sits beside its service; the worker's autodiscovery
# reads only each app's own `tasks` module.
from portfolios.exports.revalidation import tasks as revalidation_tasks  # noqa: F401

logger = logging.getLogger(__name__)

# Transient: the database or the file store was briefly away. Anything else is a defect or
# bad data, and retrying it would only fail three more times.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    # The pool child was killed (OOM, deploy): the message goes back to the queue.
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=worker.RENDER_TIME_LIMIT - 60,
    time_limit=worker.RENDER_TIME_LIMIT,
)
def render_export(self, export_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        worker.export_run(export_id=export_id, node=self.request.hostname or "")
    except (worker.TransientExportError, *TRANSIENT) as exc:
        if self.request.retries >= self.max_retries:
            export = PortfolioExport.objects.filter(pk=export_id).first()
            if export is not None:
                worker.export_fail(
                    export=export, reason="The file store or database was unavailable."
                )
            return
        logger.warning("export %s: transient failure, retrying: %s", export_id, exc)
        # This start is over: the retry may start it again (a second delivery may not).
        worker.export_interrupted(export_id=export_id)
        if self.request.is_eager:
            # No broker (make run, tests): Celery's eager retry would escape as an exception
            # because eager errors propagate, so retry in place instead.
            render_export.apply(args=(export_id,), retries=self.request.retries + 1)
            return
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except SoftTimeLimitExceeded:
        export = PortfolioExport.objects.get(pk=export_id)
        worker.export_fail(
            export=export, reason="The PDF took too long to make. Try a shorter period."
        )
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        export = PortfolioExport.objects.filter(pk=export_id).first()
        if export is not None:
            worker.export_fail(
                export=export, reason=f"The PDF could not be made ({type(exc).__name__})."
            )


def enqueue(export_id: int) -> bool:
    """Hand the job to the broker and record that it took it; if it is down the export stays
    pending, unmarked, and beat queues it again, so the request is never lost and the page
    never fails because Redis did. Only an unmarked job is ever queued again."""
    try:
        render_export.delay(export_id)
    except Exception:  # kombu raises several unrelated types when the broker is unreachable
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.warning("export %s: broker unavailable, left pending for re-queue", export_id)
        return False
    try:
        worker.mark_published(export_id=export_id, at=timezone.now())
    except DatabaseError:
        # The broker has it; unmarked, beat would queue it once more, and the second
        # delivery finds the export running or done and does nothing.
        logger.warning("export %s: queued, but could not record it", export_id, exc_info=True)
    return True


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def requeue_stale_exports(*, now: dt.datetime | None = None) -> int:
    """Queue again what the broker never took and what a lost worker left running past the
    render's hard time limit (never a job the broker accepted and a worker has yet to reach)."""
    stuck_after = dt.timedelta(seconds=worker.RENDER_TIME_LIMIT + 60)
    ids = worker.stale_exports(now=now or timezone.now(), stuck_after=stuck_after)
    return sum(1 for export_id in ids if enqueue(export_id))


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def expire_exports(*, now: dt.datetime | None = None) -> int:
    return worker.expire_exports(now=now)
