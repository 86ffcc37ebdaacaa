"""Notifications: the in-app inbox with its unread count, the emails that go with it, each
person's email preferences, and the weekly digest for supervisors who chose it.

The register and exports notify through here too: one inbox for everything a person is told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from imhcpd.links import absolute_url
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.models import EvidenceRevision
from portfolios.supervision.models import (
    DigestSent,
    Notification,
    NotificationPreference,
    Supervision,
)


def preferences_for(user: User) -> NotificationPreference:
    prefs = getattr(user, "notification_preference", None)
    return prefs if prefs is not None else NotificationPreference(user=user)


def notify(
    user: User,
    text: str,
    path: str = "",
    *,
    email: str | None = None,
    context: Mapping[str, Any] | None = None,
    essential: bool = False,
) -> Notification:
    """An in-app notification and, when `email` names a template, an email after commit unless
    the person opted out. `essential` emails (register decisions, expiry) go whatever the
    preference says."""
    # Names and titles are long enough to overflow the column; the email keeps the full text.
    short = Truncator(text).chars(Notification._meta.get_field("text").max_length)
    notification = Notification.objects.create(user=user, text=short, url=path)
    if email and (essential or preferences_for(user).email_each_event):
        send_templated_email(
            to=user.email,
            name=email,
            context={
                **(context or {}),
                "recipient": user,
                "url": absolute_url(path) if path else absolute_url("/"),
                "essential": essential,
            },
        )
    return notification


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Weekly digest ------------------------------------------------------------------------------


def iso_week(moment: dt.datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def send_weekly_digests(*, now: dt.datetime | None = None) -> int:
    """Email each digest-preferring supervisor their waiting items, once per ISO week."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.weekday() == 0 and local.hour < 7:
        return 0  # Monday's digest goes out from 07:00, not in the middle of the night
    week = iso_week(now)
    sent = 0
    supervisors = User.objects.filter(
        notification_preference__weekly_digest=True,
        supervisions_given__status=Supervision.Status.ACTIVE,
    ).distinct()
    for supervisor in supervisors:
        waiting = list(
            EvidenceRevision.objects.filter(
                status=EvidenceRevision.Status.SUBMITTED,
                submitted_to__supervisor=supervisor,
                submitted_to__status=Supervision.Status.ACTIVE,
            )
            .select_related("evidence__portfolio__user")
            .order_by("submitted_at")
        )
        if not waiting:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    DigestSent.objects.create(user=supervisor, week=week, sent_at=now)
            except IntegrityError:
                continue  # already sent this week (or another beat run got there first)
            send_templated_email(
                to=supervisor.email,
                name="supervision/digest",
                context={
                    "recipient": supervisor,
                    "waiting": waiting,
                    "url": absolute_url(reverse("supervision:home")),
                },
            )
            sent += 1
    return sent
