"""Supervision's scheduled job (Celery beat): the weekly digest for supervisors who chose it."""

from __future__ import annotations

from celery import shared_task

from portfolios.supervision import notifications


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_weekly_digests() -> int:
    return notifications.send_weekly_digests()
