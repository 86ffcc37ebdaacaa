"""The one rule every "N days before" reminder follows (the register's expiry, the regulators'
revalidation deadlines): each reminder goes once per deadline, and a job that first runs late
(or runs again after an outage) sends one email, not every reminder it missed.

The caller says how a reminder is recorded (a row with a unique constraint, so two workers
cannot both send) and how it is sent; this module decides which, and keeps the two together in
one transaction so a recorded reminder is never left unsent, nor a sent one unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction


def due_reminders(schedule: Iterable[int], days_left: int) -> list[int]:
    """The reminders due with `days_left` to go, nearest first: with 20 days left of a
    (60, 30, 7) schedule, [30, 60]."""
    return sorted(days for days in schedule if days_left <= days)


def remind_once(
    *,
    schedule: Iterable[int],
    days_left: int,
    record: Callable[[int], bool],
    send: Callable[[int], object],
) -> int | None:
    """Record every reminder now due and send the nearest if it was not recorded before.

    `record(days_before)` stores the reminder and returns True when it is new (get_or_create's
    `created`); `send(days_before)` notifies. Returns the reminder sent, or None.
    """
    due = due_reminders(schedule, days_left)
    if not due:
        return None
    with transaction.atomic():
        # The older reminders are recorded as well, so they never go out after the nearer one.
        created = {days: record(days) for days in due}
        if not created[due[0]]:
            return None
        send(due[0])
    return due[0]
