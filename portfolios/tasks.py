"""Scheduled portfolio jobs (Celery beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_weekly_digests() -> int:
    from portfolios.supervision import send_weekly_digests as run

    return run()
