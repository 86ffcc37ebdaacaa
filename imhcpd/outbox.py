"""The email outbox: messages wait in a table (django-mailer's `Message`) until the worker
sends them with the real backend (MAILER_EMAIL_BACKEND).

Writing the row in the same transaction as the change that causes the email means a broker
or SMTP outage only delays mail: nothing is lost with a rolled-back request, nothing is
lost when Redis is down after commit. Sending takes each row under a row lock
(select_for_update nowait) and deletes it in the same transaction, so two senders at once
(beat's run beside a request's nudge, two workers) never send one message twice.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from mailer import engine
from mailer.models import RESULT_FAILURE, Message, MessageLog

logger = logging.getLogger(__name__)


def queue(message: EmailMessage) -> int:
    """Store the message in the outbox (inside the caller's transaction); returns its id."""
    # The Message-ID is fixed now, so a message that is sent, then sent again because the
    # database lost the "sent" mark, reaches the recipient as the same message.
    engine.ensure_message_id(message)
    return Message.objects.create(email=message).pk


def send(*, ids: Iterable[int] | None = None) -> None:
    """Send what is waiting (only `ids`, if given). Deferred messages wait for `retry`."""
    waiting = Message.objects.non_deferred()
    if ids is not None:
        waiting = waiting.filter(pk__in=list(ids))
    engine.send_all(waiting)


def retry() -> int:
    """Give deferred messages (SMTP trouble) another go; past MAILER_EMAIL_MAX_RETRIES they
    stay deferred, visible in the admin, for someone to look at."""
    count = Message.objects.retry_deferred()
    if count:
        send()
    return count


def _permanent(exc: Exception) -> bool:
    # 5xx: the server refused this message for good (no such mailbox, sender not allowed).
    # Retrying would only repeat it; connection trouble and 4xx are worth another go.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def handle_delivery_error(connection: object, message: Message, exc: Exception):  # type: ignore[no-untyped-def]
    """MAILER_ERROR_HANDLER: never let one bad message stop the queue behind it. Every
    failure defers the message and logs why; a permanent refusal uses up its retries."""
    if _permanent(exc):
        logger.error("outbox: message %s refused for good: %s", message.pk, exc)
        message.retry_count = settings.MAILER_EMAIL_MAX_RETRIES
    elif isinstance(exc, OSError):  # SMTP and socket errors: transient
        logger.warning("outbox: message %s deferred: %s", message.pk, exc)
    else:
        logger.exception("outbox: message %s could not be sent", message.pk, exc_info=exc)
    with transaction.atomic():
        message.defer()
        MessageLog.objects.log(message, RESULT_FAILURE, log_message=f"{type(exc).__name__}: {exc}")
    # A broken connection is not reused for the next message.
    return None, "deferred"
