"""Notifications: the in-app inbox with its unread count, the emails that go with it, each
person's email preferences, and the weekly digest for supervisors who chose it.

The register and exports notify through here too: one inbox for everything a person is told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from imhcpd.links import absolute_url
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.models import Evidence, EvidenceRevision
from portfolios.supervision.models import (
    DigestSent,
    Notification,
    NotificationPreference,
    Supervision,
)


def preferences_for(user: User) -> NotificationPreference:
    prefs = getattr(user, "notification_preference", None)
    return prefs if prefs is not None else NotificationPreference(user=user)


def unread_count() -> Coalesce:
    """A user's unread notifications, as an annotation on User rows (the navigation's badge)."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread), 0)


def notify(
    user: User,
    text: str,
    path: str = "",
    *,
    email: str | None = None,
    context: Mapping[str, Any] | None = None,
    essential: bool = False,
    group: str = "",
) -> Notification:
    """An in-app notification and, when `email` names a template, an email after commit unless
    the person opted out. `essential` emails (register decisions, expiry) go whatever the
    preference says. Notifications with the same `group` are shown as one entry."""
    # Names and titles are long enough to overflow the column; the email keeps the full text.
    short = Truncator(text).chars(Notification._meta.get_field("text").max_length)
    notification = Notification.objects.create(user=user, text=short, url=path, group_key=group)
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


def evidence_group(evidence: Evidence) -> str:
    """The group of every notification about one evidence item: its submissions, reviews
    and comments (a person is only ever on one side of an item)."""
    return f"evidence:{evidence.pk}"


def notifications_mark_read(
    *, user: User, ids: Iterable[int] | None = None, path: str = "", group: str = ""
) -> int:
    """Mark this person's unread notifications read: all of them, or those with these ids,
    or those pointing at `path` or in `group` (the person has seen what they are about).
    Returns how many changed. Called on page views: it writes only when there is something
    to mark, so most pages cost one indexed read and take no write lock."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    elif path or group:
        seen = Q(url=path) if path else Q()
        if group:
            seen |= Q(group_key=group)
        unread = unread.filter(seen)
    if not unread.exists():
        return 0
    return unread.update(read_at=timezone.now())


@dataclass
class NotificationGroup:
    """One entry in the inbox: the latest notification about something, and the others."""

    latest: Notification
    earlier: list[Notification]
    unread: int

    @property
    def count(self) -> int:
        return 1 + len(self.earlier)

    @property
    def ids(self) -> list[int]:
        return [self.latest.pk, *(n.pk for n in self.earlier)]


def _group_of() -> Case:
    # A notification without a group is a group of its own.
    return Case(
        When(group_key="", then=Concat(Value("#"), Cast("pk", CharField()))),
        default=F("group_key"),
        output_field=CharField(),
    )


def notification_groups(user: User) -> QuerySet[Any]:
    """This person's groups, newest activity first: `key`, `latest`, `total`, `unread`
    (values rows, cheap to paginate; `groups_with_notifications` fills a page of them)."""
    return (
        Notification.objects.for_owner(user)
        .annotate(key=_group_of())
        .values("key")
        .annotate(
            latest=Max("created_at"),
            last_pk=Max("pk"),
            total=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest", "-last_pk")
    )


def groups_with_notifications(
    user: User, rows: Iterable[Mapping[str, Any]]
) -> list[NotificationGroup]:
    """The notifications of a page of `notification_groups` rows, in two queries at most."""
    keys = [row["key"] for row in rows]
    if not keys:
        return []
    by_key: dict[str, list[Notification]] = {key: [] for key in keys}
    found = (
        Notification.objects.for_owner(user)
        .annotate(key=_group_of())
        .filter(key__in=keys)
        .order_by("-created_at", "-pk")
    )
    for notification in found:
        by_key[notification.key].append(notification)
    return [
        NotificationGroup(
            latest=items[0],
            earlier=items[1:],
            unread=sum(1 for n in items if n.read_at is None),
        )
        for items in by_key.values()
        if items
    ]


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
