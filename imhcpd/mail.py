"""The one way the site sends email: a template folder rendered now, written to the outbox
in the caller's transaction (imhcpd.outbox), sent by the worker after commit.

Each email is `templates/email/<name>/` with `subject.txt`, `body.txt` and `body.html`; the
bodies extend `email/base.txt` / `email/base.html`, so every message shares one layout.
Services pass objects in a context and never build message text themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from mailer.backend import DbBackend

from imhcpd import outbox
from imhcpd.tasks import send_queued_mail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html: str


def site_context() -> dict[str, str]:
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}


def render_email(name: str, context: Mapping[str, Any] | None = None) -> RenderedEmail:
    ctx = {**site_context(), **(context or {})}
    # A subject is one line whatever the template's whitespace.
    subject = " ".join(render_to_string(f"email/{name}/subject.txt", ctx).split())
    return RenderedEmail(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string(f"email/{name}/body.txt", ctx).strip() + "\n",
        html=render_to_string(f"email/{name}/body.html", ctx),
    )


def send_templated_email(
    *, to: str | Iterable[str], name: str, context: Mapping[str, Any] | None = None
) -> RenderedEmail:
    """Render now (the objects are at hand and may change later) and write it to the outbox
    in the caller's transaction, so a rolled-back change sends nothing and a committed one
    is never lost, whatever the broker does next."""
    recipients = [to] if isinstance(to, str) else list(to)
    email = render_email(name, context)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body, to=recipients)
    message.attach_alternative(email.html, "text/html")
    queue_message(message)
    return email


def queue_message(message: EmailMessage) -> None:
    """Put any prepared message (allauth's too) in the outbox and ask for it to be sent
    after commit."""
    with transaction.atomic():
        message_id = outbox.queue(message)
        transaction.on_commit(lambda: nudge(ids=[message_id]))


def nudge(*, ids: list[int] | None = None) -> None:
    """Ask the worker to send now rather than at beat's next run. Never raises: the row is
    already committed, so a broker that is down only means the mail goes a minute later,
    and the request that caused it must not answer 500. Without a broker (make run, tests)
    Celery runs the task here and then, so the console and mail.outbox show it at once."""
    try:
        send_queued_mail.delay(ids=ids)
    except Exception:  # kombu raises several unrelated types when the broker is unreachable
        logger.warning("outbox: could not ask the worker to send %s; beat will", ids, exc_info=True)


class OutboxBackend(DbBackend):
    """EMAIL_BACKEND: whatever else sends mail through Django (allauth's confirmations and
    password resets, mail_admins) goes into the same outbox, with the same nudge."""

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        messages = list(email_messages)
        for message in messages:
            queue_message(message)
        return len(messages)
