"""Register entries after approval: renewal, the expiry reminders and the lapse (beat), and
removal by an administrator."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.models import User
from imhcpd.reminders import remind_once
from portfolios.services import TransitionError
from portfolios.supervision.notifications import notify
from register.credentials.services import credential_issue, credentials_revoke
from register.models import (
    Credential,
    EntryEvent,
    RegisterEntry,
    ReminderSent,
    Renewal,
)
from register.selectors import add_months, renewal_check, renewal_opens
from register.services.common import RENEWAL_DECLARATIONS


def entry_renew(*, entry: RegisterEntry, by: User, keys: list[str]) -> Renewal:
    if entry.user_id != by.pk:
        raise TransitionError("Only the registrant can renew.")
    if entry.status != RegisterEntry.Status.CURRENT:
        raise TransitionError("A lapsed entry needs a new application.")
    if set(RENEWAL_DECLARATIONS) - set(keys):
        raise TransitionError("Sign every declaration again to renew.")
    today = timezone.localdate()
    opens = renewal_opens(entry)
    if today < opens:
        raise TransitionError(
            f"Renewal opens on {opens:%-d %B %Y}, {settings.REGISTER_RENEWAL_WINDOW_DAYS} days "
            f"before your entry expires on {entry.valid_to:%-d %B %Y}."
        )
    check = renewal_check(entry, today)
    if not check.met:
        raise TransitionError(
            f"Renewal needs {check.cpd_needed} hours of CPD linked to the framework "
            f"(you have {check.cpd_hours}) and {check.supervision_needed} hours of reflective "
            f"supervision (you have {check.supervision_hours}) in the last 12 months."
        )
    now = timezone.now().isoformat()
    with transaction.atomic():
        new_to = add_months(entry.valid_to, settings.REGISTER_VALIDITY_MONTHS)
        updated = RegisterEntry.objects.filter(
            pk=entry.pk, valid_to=entry.valid_to, status=RegisterEntry.Status.CURRENT
        ).update(valid_to=new_to)
        if updated != 1:
            raise TransitionError("This entry has just been renewed.")
        renewal = Renewal.objects.create(
            entry=entry,
            cpd_hours=check.cpd_hours,
            supervision_hours=check.supervision_hours,
            declarations={k: now for k in RENEWAL_DECLARATIONS},
            previous_valid_to=entry.valid_to,
            new_valid_to=new_to,
        )
        EntryEvent.objects.create(
            entry=entry,
            actor=by,
            from_status=entry.status,
            to_status=entry.status,
            detail=f"renewed to {new_to}",
        )
        entry.refresh_from_db()
        credential_issue(entry=entry, reason=Credential.Reason.RENEWED, by=by)
    return renewal


def _record_expiry_reminder(entry: RegisterEntry, days: int) -> bool:
    return ReminderSent.objects.get_or_create(
        entry=entry, valid_to=entry.valid_to, days_before=days
    )[1]


def _send_expiry_reminder(entry: RegisterEntry, days_left: int, days: int) -> None:
    notify(
        entry.user,
        f"Your register entry {entry.number} expires on {entry.valid_to:%-d %B %Y}. "
        "Renew it from your register page.",
        reverse("register:apply"),
        email="register/expiry_reminder",
        context={"entry": entry, "days_left": days_left},
        essential=True,
    )


def renewal_reminders_and_lapses(*, today: dt.date | None = None) -> dict[str, int]:
    """Send each of the 60/30/7-day reminders once per validity period (imhcpd.reminders);
    lapse entries past their date plus the grace period."""
    today = today or timezone.localdate()
    sent = 0
    schedule = sorted(settings.REGISTER_REMINDER_DAYS)
    for entry in RegisterEntry.objects.filter(
        status=RegisterEntry.Status.CURRENT,
        valid_to__gt=today,
        valid_to__lte=today + dt.timedelta(days=schedule[-1]),
    ).select_related("user"):
        left = (entry.valid_to - today).days
        if remind_once(
            schedule=schedule,
            days_left=left,
            record=partial(_record_expiry_reminder, entry),
            send=partial(_send_expiry_reminder, entry, left),
        ):
            sent += 1
    lapsed = 0
    cutoff = today - dt.timedelta(days=settings.REGISTER_GRACE_DAYS)
    for entry in RegisterEntry.objects.filter(
        status=RegisterEntry.Status.CURRENT, valid_to__lt=cutoff
    ):
        with transaction.atomic():
            if RegisterEntry.objects.filter(
                pk=entry.pk, status=RegisterEntry.Status.CURRENT
            ).update(status=RegisterEntry.Status.LAPSED):
                EntryEvent.objects.create(
                    entry=entry,
                    from_status="current",
                    to_status="lapsed",
                    detail="expired and not renewed within the grace period",
                )
                credentials_revoke(entry=entry, by=None, reason="lapsed: not renewed")
                notify(
                    entry.user,
                    f"Your register entry {entry.number} has lapsed.",
                    reverse("register:apply"),
                    email="register/lapsed",
                    context={"entry": entry},
                    essential=True,
                )
                lapsed += 1
    return {"reminders": sent, "lapsed": lapsed}


def entry_remove(*, entry: RegisterEntry, admin: User, reason: str) -> RegisterEntry:
    """Take an entry off the register (for example after a fitness-to-practise finding)."""
    if not reason.strip():
        raise TransitionError("Give the reason for removing the entry.")
    with transaction.atomic():
        previous = entry.status
        updated = RegisterEntry.objects.filter(
            pk=entry.pk, status__in=(RegisterEntry.Status.CURRENT, RegisterEntry.Status.LAPSED)
        ).update(status=RegisterEntry.Status.REMOVED)
        if updated != 1:
            raise TransitionError("This entry has already been removed.")
        EntryEvent.objects.create(
            entry=entry, actor=admin, from_status=previous, to_status="removed", detail=reason
        )
        credentials_revoke(entry=entry, by=admin, reason="removed from the register")
        notify(
            entry.user,
            f"Your register entry {entry.number} has been removed from the register.",
            reverse("register:apply"),
            email="register/removed",
            context={"entry": entry, "reason": reason},
            essential=True,
        )
    entry.refresh_from_db()
    return entry
