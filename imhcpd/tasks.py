"""Site-wide housekeeping tasks, run by Celery beat."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def clear_expired_sessions() -> None:
    # Database sessions are never removed by Django itself; without this the table grows forever.
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
