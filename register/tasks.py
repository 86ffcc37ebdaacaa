"""Scheduled register jobs (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from register.services import entries


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def renewal_reminders_and_lapses() -> dict[str, int]:
    return entries.renewal_reminders_and_lapses()
