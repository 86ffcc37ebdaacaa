"""The NMC confirmation: the practitioner invites a confirmer by email, the confirmer
confirms through a single-use link without an account (as a register referee does), and the
confirmation is locked once given. Every status move goes through `imhcpd.audit.transition`,
which writes the `ConfirmationEvent`."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.links import absolute_url, token_digest
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.models import Confirmation
from portfolios.models import Portfolio
from portfolios.services import TransitionError
from portfolios.supervision.notifications import notify

Status = Confirmation.Status


class ConfirmationProblem(TransitionError):
    """The confirmer's link cannot be used; the message says why."""


def live_confirmation(portfolio: Portfolio) -> Confirmation | None:
    """The request waiting for its confirmer, if any (an expired one is no longer live)."""
    return (
        Confirmation.objects.filter(
            portfolio=portfolio, status=Status.REQUESTED, expires_at__gt=timezone.now()
        )
        .order_by("-requested_at")
        .first()
    )


def given_confirmation(portfolio: Portfolio, cycle: bodies.Cycle | None) -> Confirmation | None:
    """The confirmation given for the current revalidation date, if any."""
    if cycle is None:
        return None
    return (
        Confirmation.objects.filter(
            portfolio=portfolio, status=Status.CONFIRMED, revalidation_date=cycle.end
        )
        .order_by("-confirmed_at")
        .first()
    )


def confirmation_request(
    *, portfolio: Portfolio, by: User, name: str, email: str, today: dt.date | None = None
) -> Confirmation:
    """Ask a confirmer; only the token's digest is stored, the link goes by email."""
    today = today or timezone.localdate()
    if portfolio.professional_body != bodies.NMC:
        raise TransitionError("Only the NMC asks for a confirmation.")
    cycle = bodies.current_cycle(portfolio, today)
    if cycle is None:
        raise TransitionError("Set your revalidation date first.")
    email = email.strip().lower()
    if email == by.email.lower():
        raise TransitionError("Your confirmer must be someone other than you.")
    token = secrets.token_urlsafe(32)
    days = settings.REVALIDATION_CONFIRMATION_DAYS
    with transaction.atomic():
        # The portfolio row is the lock: two requests sent at once cannot both find no live one.
        Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
        if given_confirmation(portfolio, cycle):
            raise TransitionError("Your confirmation for this revalidation date is already given.")
        if live_confirmation(portfolio):
            raise TransitionError(
                "You have already asked a confirmer. Withdraw that request to ask someone else."
            )
        confirmation = Confirmation.objects.create(
            portfolio=portfolio,
            revalidation_date=cycle.end,
            name=name.strip(),
            email=email,
            token_hash=token_digest(token),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        confirmation.events.create(
            actor=by, from_status="", to_status=Status.REQUESTED, detail=f"asked {email}"
        )
        send_templated_email(
            to=email,
            name="revalidation/confirmation_request",
            context={
                "confirmation": confirmation,
                "practitioner": by,
                "url": absolute_url(reverse("exports:revalidation_confirm", args=[token])),
                "days": days,
            },
        )
    return confirmation


def confirmation_withdraw(*, confirmation: Confirmation, by: User) -> Confirmation:
    if confirmation.portfolio.user_id != by.pk:
        raise TransitionError("Only the practitioner can withdraw this request.")
    with transaction.atomic():
        if not transition(confirmation, (Status.REQUESTED,), Status.WITHDRAWN, by=by):
            raise TransitionError(
                "This request can no longer be withdrawn: it was already confirmed or withdrawn."
            )
        # The confirmer is told, so an open link does not look like a job still to do.
        send_templated_email(
            to=confirmation.email,
            name="revalidation/confirmation_withdrawn",
            context={"confirmation": confirmation, "practitioner": by},
        )
    return confirmation


def confirmation_for_token(token: str) -> Confirmation | None:
    return (
        Confirmation.objects.select_related("portfolio__user")
        .filter(token_hash=token_digest(token))
        .first()
    )


def check_confirmation(confirmation: Confirmation | None) -> None:
    if confirmation is None:
        raise ConfirmationProblem("This confirmation link is not valid.")
    if confirmation.status == Status.CONFIRMED:
        raise ConfirmationProblem(
            "This confirmation has already been given. It cannot be changed. Thank you."
        )
    if confirmation.status == Status.WITHDRAWN:
        raise ConfirmationProblem("This request was withdrawn. There is nothing more to do.")
    if confirmation.expires_at <= timezone.now():
        raise ConfirmationProblem(
            "This confirmation link has expired. Ask the practitioner to send a new one."
        )
    if confirmation.portfolio.revalidation_date != confirmation.revalidation_date:
        raise ConfirmationProblem(
            "The practitioner's revalidation date has changed since this link was sent. "
            "Ask them to send a new one."
        )


def confirmation_window(confirmation: Confirmation) -> tuple[dt.date, dt.date]:
    """The twelve months before the revalidation date the request was sent for."""
    cycle = bodies.current_cycle(confirmation.portfolio, timezone.localdate())
    # check_confirmation has made sure the portfolio's date is still the request's.
    assert cycle is not None
    return bodies.confirmation_window(cycle)


def confirmation_give(*, confirmation: Confirmation | None, data: dict[str, Any]) -> Confirmation:
    """The confirmer's answer. Locked once given: the status moves only from requested, so a
    second submission (or a double click) changes nothing and is told so."""
    check_confirmation(confirmation)
    assert confirmation is not None
    with transaction.atomic():
        moved = transition(
            confirmation,
            (Status.REQUESTED,),
            Status.CONFIRMED,
            by=None,
            detail=f"confirmed by {data['name']}",
            name=data["name"],
            email=data["email"].strip().lower(),
            registration=data["registration"],
            role=data["role"],
            address=data["address"],
            postcode=data["postcode"],
            confirmed_on=data["confirmed_on"],
            confirmed_at=timezone.now(),
        )
        if not moved:
            raise ConfirmationProblem(
                "This confirmation has already been given. It cannot be changed."
            )
        notify(
            confirmation.portfolio.user,
            f"{confirmation.name} has given your NMC revalidation confirmation.",
            reverse("exports:revalidation_confirmation"),
            email="revalidation/confirmation_given",
            context={"confirmation": confirmation},
            essential=True,
        )
    return confirmation
