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


@shared_task(
    autoretry_for=(OSError,),  # SMTP and socket errors are OSErrors: transient, so retry
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_email(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    # Sending outside the request keeps a slow SMTP server from slowing pages down. The
    # message arrives rendered (imhcpd.mail); `html` is optional for messages queued before it.
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
