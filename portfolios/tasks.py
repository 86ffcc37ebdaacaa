"""Scheduled portfolio jobs (Celery beat)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_weekly_digests() -> int:
    from portfolios.supervision import send_weekly_digests as run

    return run()


# Transient: the database or the file store was briefly away. Anything else is a defect or
# bad data, and retrying it would only fail three more times.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    # The pool child was killed (OOM, deploy): the message goes back to the queue.
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def render_export(self, export_id: int) -> None:  # type: ignore[no-untyped-def]
    from portfolios.export_models import PortfolioExport
    from portfolios.exports import TransientExportError, export_fail, export_run

    try:
        export_run(export_id=export_id)
    except (TransientExportError, *TRANSIENT) as exc:
        if self.request.retries >= self.max_retries:
            export = PortfolioExport.objects.filter(pk=export_id).first()
            if export is not None:
                export_fail(export=export, reason="The file store or database was unavailable.")
            return
        logger.warning("export %s: transient failure, retrying: %s", export_id, exc)
        if self.request.is_eager:
            # No broker (make run, tests): Celery's eager retry would escape as an exception
            # because eager errors propagate, so retry in place instead.
            render_export.apply(args=(export_id,), retries=self.request.retries + 1)
            return
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except SoftTimeLimitExceeded:
        export = PortfolioExport.objects.get(pk=export_id)
        export_fail(export=export, reason="The PDF took too long to make. Try a shorter period.")
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        export = PortfolioExport.objects.filter(pk=export_id).first()
        if export is not None:
            export_fail(export=export, reason=f"The PDF could not be made ({type(exc).__name__}).")


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def requeue_stale_exports() -> int:
    from portfolios.exports import requeue_stale_exports as run

    return run()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def expire_exports() -> int:
    from portfolios.exports import expire_exports as run

    return run()
