"""Scheduled revalidation jobs (Celery beat). Thin: each calls one service.

The worker finds this module through `portfolios.exports.tasks`, which imports it (Celery
autodiscovers only each installed app's own `tasks` module).
"""

from __future__ import annotations

from celery import shared_task

from portfolios.exports.revalidation import reminders


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_revalidation_reminders() -> int:
    # Safe to run twice: each reminder is a row with a unique constraint, written in the
    # same transaction as its email.
    return reminders.send_reminders()
