"""The one way the site sends email: a template folder rendered now, sent after commit.

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
from django.db import transaction
from django.template.loader import render_to_string

from imhcpd.tasks import send_email

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
    """Render now (the objects are at hand and may change later); hand over after commit,
    so a rolled-back transaction sends nothing."""
    recipients = [to] if isinstance(to, str) else list(to)
    email = render_email(name, context)

    def queue() -> None:
        send_email.delay(to=recipients, subject=email.subject, body=email.body, html=email.html)

    transaction.on_commit(queue)
    return email
