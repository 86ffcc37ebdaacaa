"""Site-wide housekeeping tasks, run by Celery beat, and the email outbox's sender."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from mailer.models import RESULT_DONT_SEND, RESULT_FAILURE, RESULT_SUCCESS, MessageLog

from imhcpd import files, outbox


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def clear_expired_sessions() -> None:
    # Database sessions are never removed by Django itself; without this the table grows forever.
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


# Sending is safe to run twice at once (imhcpd.outbox takes each row under a lock), so these
# need no retry of their own: a message that fails is deferred in the table, and beat comes
# back every minute for whatever is still waiting.
@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def send_queued_mail(*, ids: list[int] | None = None) -> None:
    outbox.send(ids=ids)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def retry_deferred_mail() -> int:
    return outbox.retry()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def purge_mail_log(*, days: int = 30) -> int:
    # One row per attempt; a month is enough to answer "was it sent?".
    return MessageLog.objects.purge_old_entries(
        days, result_codes=[RESULT_SUCCESS, RESULT_DONT_SEND, RESULT_FAILURE]
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def retry_file_removals() -> int:
    # Files an erasure or expiry could not remove at the time (the store was away).
    return files.remove_pending()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def send_email(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    # The task earlier releases queued instead of the outbox: a message still in the broker
    # when the new version starts goes into the outbox rather than being dropped.
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    outbox.queue(message)
    outbox.send()
