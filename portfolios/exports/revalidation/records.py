"""Services for the revalidation records that are not evidence: practice hours, reflective
discussions and declarations. Each change writes a `RecordEvent` in its own transaction;
a deletion's event keeps what was deleted, so the trail still shows it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from imhcpd.models import User
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.models import Declaration, PracticeHours, ReflectiveDiscussion
from portfolios.exports.revalidation.services import record_event
from portfolios.models import Evidence, EvidenceKind, Portfolio
from portfolios.services import TransitionError

Kind = Declaration.Kind

HEALTH_CHARACTER_NMC = (
    "I declare that I am of good health and character to practise safely and effectively."
)
INDEMNITY = (
    "I have, or will have when practising, an appropriate arrangement for professional indemnity."
)
# What each regulator asks its registrants to declare when they revalidate or renew. The
# NMC's words are those its online application uses; the HCPC asks the same two at renewal;
# Social Work England asks about fitness to practise at renewal but not about indemnity
# (employers of social workers hold it), so it has one.
DECLARATIONS: dict[str, dict[str, str]] = {
    bodies.NMC: {Kind.HEALTH_CHARACTER: HEALTH_CHARACTER_NMC, Kind.INDEMNITY: INDEMNITY},
    bodies.HCPC: {
        Kind.HEALTH_CHARACTER: "I declare that there has been no change to my health or "
        "character that could affect my ability to practise safely and effectively, or that I "
        "have told the HCPC about any such change.",
        Kind.INDEMNITY: INDEMNITY,
    },
    bodies.SWE: {
        Kind.HEALTH_CHARACTER: "I declare that I am fit to practise as a social worker: I have "
        "told Social Work England about any health condition, conviction, caution or other "
        "matter that could affect my fitness to practise.",
    },
}


class RecordError(TransitionError):
    """A record change refused; the message says why."""


class DeclarationLocked(RecordError):
    """A declaration once made is never made again or changed."""


def _frozen(record: Any, fields: Iterable[str]) -> str:
    """The record's fields as JSON, kept on the deletion's audit row."""
    return json.dumps(
        {name: str(getattr(record, name)) for name in fields}, ensure_ascii=False, sort_keys=True
    )


# --- Practice hours ----------------------------------------------------------------------

HOURS_FIELDS = (
    "start",
    "end",
    "hours",
    "employer_name",
    "employer_address",
    "scope",
    "work_setting",
    "role",
    "description",
)


def practice_hours_add(*, portfolio: Portfolio, by: User, data: dict[str, Any]) -> PracticeHours:
    with transaction.atomic():
        record = PracticeHours.objects.create(
            portfolio=portfolio, **{k: v for k, v in data.items() if k in HOURS_FIELDS}
        )
        record_event(
            portfolio=portfolio,
            by=by,
            record="practice_hours",
            action="added",
            record_id=record.pk,
            detail=f"{record.hours} h, {record.start} to {record.end}",
        )
    return record


def practice_hours_delete(*, record: PracticeHours, by: User) -> None:
    if record.portfolio.user_id != by.pk:
        raise RecordError("Only the practitioner can delete their practice hours.")
    with transaction.atomic():
        detail = _frozen(record, HOURS_FIELDS)
        record_id = record.pk
        if PracticeHours.objects.filter(pk=record_id).delete()[0] != 1:
            raise RecordError("These hours were already deleted.")
        record_event(
            portfolio=record.portfolio,
            by=by,
            record="practice_hours",
            action="deleted",
            record_id=record_id,
            detail=detail,
        )


# --- Reflective discussions -----------------------------------------------------------------

DISCUSSION_FIELDS = (
    "date",
    "partner_name",
    "partner_registration",
    "partner_email",
    "partner_address",
    "partner_postcode",
    "summary",
)


def discussion_add(
    *, portfolio: Portfolio, by: User, data: dict[str, Any], accounts: Iterable[Evidence]
) -> ReflectiveDiscussion:
    accounts = list(accounts)
    for account in accounts:
        # The form offers only these; checked again so no other caller can link someone
        # else's account, or an item that is not a reflective account.
        if (
            account.portfolio_id != portfolio.pk
            or account.kind != EvidenceKind.REFLECTIVE_ACCOUNT
            or account.archived_at is not None
        ):
            raise RecordError("Choose only from your own reflective accounts.")
    with transaction.atomic():
        discussion = ReflectiveDiscussion.objects.create(
            portfolio=portfolio, **{k: v for k, v in data.items() if k in DISCUSSION_FIELDS}
        )
        discussion.accounts.set(accounts)
        record_event(
            portfolio=portfolio,
            by=by,
            record="discussion",
            action="added",
            record_id=discussion.pk,
            detail=f"{discussion.date} with {discussion.partner_name}, "
            f"accounts {sorted(a.pk for a in accounts)}",
        )
    return discussion


def discussion_delete(*, discussion: ReflectiveDiscussion, by: User) -> None:
    if discussion.portfolio.user_id != by.pk:
        raise RecordError("Only the practitioner can delete their discussion record.")
    with transaction.atomic():
        frozen = {name: str(getattr(discussion, name)) for name in DISCUSSION_FIELDS} | {
            "accounts": sorted(discussion.accounts.values_list("pk", flat=True))
        }
        record_id = discussion.pk
        if ReflectiveDiscussion.objects.filter(pk=record_id).delete()[0] < 1:
            raise RecordError("This discussion record was already deleted.")
        record_event(
            portfolio=discussion.portfolio,
            by=by,
            record="discussion",
            action="deleted",
            record_id=record_id,
            detail=json.dumps(frozen, ensure_ascii=False, sort_keys=True),
        )


# --- Declarations ------------------------------------------------------------------------


def declaration_texts(portfolio: Portfolio) -> dict[str, str]:
    """The declarations the practitioner's regulator asks for; empty for other bodies."""
    return dict(DECLARATIONS.get(portfolio.professional_body, {}))


def declarations_for(portfolio: Portfolio, cycle: bodies.Cycle) -> dict[str, Declaration]:
    """The declarations made for this cycle's date, by kind."""
    return {
        d.kind: d
        for d in Declaration.objects.filter(portfolio=portfolio, revalidation_date=cycle.end)
    }


def declarations_make(
    *, portfolio: Portfolio, by: User, kinds: Iterable[str], today: dt.date
) -> list[Declaration]:
    """Make the ticked declarations for the current cycle, with the words frozen. A
    declaration already made for this date is locked: asking again raises `DeclarationLocked`."""
    texts = declaration_texts(portfolio)
    kinds = list(dict.fromkeys(kinds))
    if not texts:
        raise RecordError("Your regulator does not ask for these declarations.")
    cycle = bodies.current_cycle(portfolio, today)
    if cycle is None or not cycle.has_deadline:
        raise RecordError("Set your revalidation or renewal date first.")
    if not kinds or any(kind not in texts for kind in kinds):
        raise RecordError("Tick each declaration you make.")
    made = []
    try:
        with transaction.atomic():
            for kind in kinds:
                declaration = Declaration.objects.create(
                    portfolio=portfolio, kind=kind, revalidation_date=cycle.end, text=texts[kind]
                )
                record_event(
                    portfolio=portfolio,
                    by=by,
                    record="declaration",
                    action="made",
                    record_id=declaration.pk,
                    detail=f"{declaration.get_kind_display()} for {cycle.end}: {texts[kind]}",
                )
                made.append(declaration)
    except IntegrityError:
        # The unique constraint is the lock: a second submission (or a double click) finds
        # the row there and changes nothing.
        raise DeclarationLocked(
            "You have already made this declaration for this date. It cannot be changed."
        ) from None
    return made
