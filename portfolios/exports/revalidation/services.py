"""Revalidation settings and the audit every revalidation record change writes.

Record-specific services (practice hours, discussions, declarations, the confirmation, the
HCPC profile) are in `records.py`, `confirmation.py` and `documents.py`; each calls
`record_event` inside its own transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from imhcpd.models import User
from portfolios.exports.revalidation.models import RecordEvent
from portfolios.models import Portfolio, ProfileChange


def record_event(
    *,
    portfolio: Portfolio,
    by: User | None,
    record: str,
    action: str,
    record_id: int | None = None,
    detail: str = "",
) -> RecordEvent:
    return RecordEvent.objects.create(
        portfolio=portfolio,
        actor=by,
        record=record,
        record_id=record_id,
        action=action,
        detail=detail,
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    return str(value)


@transaction.atomic
def settings_update(
    *,
    portfolio: Portfolio,
    by: User,
    professional_body: str,
    revalidation_date: dt.date | None,
    nmc_dual_registration: bool,
) -> Portfolio:
    """Change the body and dates the cycle is worked out from; the change goes into the
    profile's own history as any profile change does."""
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    new = {
        "professional_body": professional_body,
        "revalidation_date": revalidation_date,
        "nmc_dual_registration": nmc_dual_registration,
    }
    changes = {}
    for name, value in new.items():
        old = getattr(portfolio, name)
        if old != value:
            if name == "professional_body":
                old_shown = portfolio.get_professional_body_display()
                setattr(portfolio, name, value)
                changes[name] = [old_shown, portfolio.get_professional_body_display()]
            else:
                changes[name] = [_shown(old), _shown(value)]
                setattr(portfolio, name, value)
    if changes:
        portfolio.save(update_fields=[*changes, "updated_at"])
        ProfileChange.objects.create(portfolio=portfolio, changed_by=by, changes=changes)
        record_event(
            portfolio=portfolio,
            by=by,
            record="settings",
            action="changed",
            detail=", ".join(sorted(changes)),
        )
    return portfolio
