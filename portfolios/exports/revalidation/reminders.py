"""Reminders of the regulator's deadline: 60, 30 and 7 days before an NMC revalidation date,
an HCPC renewal date or Social Work England's 30 November, each sent once (imhcpd.reminders,
the same rule as the register's expiry reminders).

The deadline comes from `bodies.deadlines`, so a changed revalidation date is a new deadline
with its own reminders, and a new registration year gives Social Work England's anew.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone

from imhcpd.reminders import remind_once
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.models import RevalidationReminder
from portfolios.exports.revalidation.tracker import tracker_for
from portfolios.models import Portfolio
from portfolios.supervision.notifications import notify


def reminder_deadline(portfolio: Portfolio, today: dt.date) -> bodies.Deadline | None:
    """The deadline the reminders count down to: the end of the cycle. (The NMC's application
    window opens on the day of the 60-day reminder, which says so; it has no reminders of
    its own.)"""
    cycle = bodies.current_cycle(portfolio, today)
    if cycle is None:
        return None
    return next((d for d in bodies.deadlines(portfolio, today) if d.date == cycle.end), None)


def _record(portfolio: Portfolio, deadline: bodies.Deadline, days: int) -> bool:
    return RevalidationReminder.objects.get_or_create(
        portfolio=portfolio, body=deadline.body, deadline=deadline.date, days_before=days
    )[1]


def _to_go(days_left: int) -> str:
    if days_left == 0:
        return "That is today."
    return f"{days_left} day{'s' if days_left != 1 else ''} to go."


def _send(portfolio: Portfolio, deadline: bodies.Deadline, today: dt.date, days: int) -> None:
    days_left = (deadline.date - today).days
    tracker = tracker_for(portfolio, today)
    cycle = tracker.cycle
    notify(
        portfolio.user,
        f"{deadline.description} {_to_go(days_left)}",
        reverse("exports:revalidation"),
        email="revalidation/reminder",
        context={
            "deadline": deadline,
            "days_left": days_left,
            "missing": [row.label for row in tracker.unmet],
            "window_opens": cycle.window_opens if cycle else None,
            "window_open": tracker.window_open,
        },
        # As the register's expiry reminders: missing a regulator's date costs the registration.
        essential=True,
    )


def send_reminders(*, today: dt.date | None = None) -> int:
    """Email every practitioner whose regulator's deadline is 60, 30 or 7 days away (or nearer,
    the first time the job sees it). Safe to run as often as beat likes. Returns how many."""
    today = today or timezone.localdate()
    sent = 0
    regulated = Portfolio.objects.filter(
        professional_body__in=bodies.REGULATED, user__is_active=True
    ).select_related("user")
    for portfolio in regulated:
        deadline = reminder_deadline(portfolio, today)
        if deadline is None:
            continue
        if remind_once(
            schedule=bodies.REMINDER_DAYS,
            days_left=(deadline.date - today).days,
            record=partial(_record, portfolio, deadline),
            send=partial(_send, portfolio, deadline, today),
        ):
            sent += 1
    return sent
