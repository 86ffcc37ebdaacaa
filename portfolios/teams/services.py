"""What teams do: create a service, invite people (single-use links, as supervision does),
accept with consent, change or stop sharing, leave, remove, make co-leads.

Every change writes its TeamEvent in the same transaction. Invitations change status by a
conditional update, so two tabs or a double click produce exactly one outcome. Leaving ends
the membership row (left_at) and stops sharing in the same update: nothing is read from a row
that has left.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.links import absolute_url, token_digest
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.models import Portfolio
from portfolios.services import TransitionError
from portfolios.teams.models import (
    Membership,
    Service,
    TeamEvent,
    TeamInvitation,
    TeamRole,
    TeamStandard,
)
from portfolios.teams.permissions import is_last_lead

INVITATION_DAYS = 14
Pending = TeamInvitation.Status.PENDING
# Roles that may join without sharing a summary: a service manager or administrator may have
# no portfolio, and the team's standard does not count them.
NON_SHARING_ROLES = (TeamRole.SUPPORT,)


class InvitationProblem(TransitionError):
    """Why an invitation link cannot be used; shown on its own page."""


def _event(
    service: Service,
    by: User | None,
    to_status: str,
    detail: str = "",
    *,
    membership: Membership | None = None,
    from_status: str = "",
) -> TeamEvent:
    return TeamEvent.objects.create(
        service=service,
        membership=membership,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


def has_portfolio(user: User) -> bool:
    return Portfolio.objects.filter(user=user).exists()


# --- Services --------------------------------------------------------------------------------


@transaction.atomic
def service_create(*, by: User, name: str, kind: str, region: str) -> Service:
    """The creator becomes its lead; the standard is the default one for the kind."""
    standard = TeamStandard.objects.filter(kind=kind, is_default=True).order_by("pk").first()
    service = Service.objects.create(name=name.strip(), kind=kind, region=region, standard=standard)
    membership = Membership.objects.create(service=service, user=by, is_lead=True)
    _event(service, by, "created", f"service created by {by.full_name}", membership=membership)
    return service


# --- Invitations -----------------------------------------------------------------------------


def _send_invitation(invitation: TeamInvitation, token: str, by: User) -> None:
    send_templated_email(
        to=invitation.email,
        name="teams/invitation",
        context={
            "invitation": invitation,
            "service": invitation.service,
            "lead": by,
            "url": absolute_url(reverse("teams:accept", args=[token])),
        },
    )


@transaction.atomic
def invitation_send(
    *, service: Service, by: User, email: str, name: str = "", role: str = "", as_lead: bool = False
) -> TeamInvitation:
    email = email.strip().lower()
    if service.memberships.filter(left_at=None, user__email__iexact=email).exists():
        raise TransitionError(f"{email} is already in this service.")
    waiting = service.invitations.filter(
        email__iexact=email, status=Pending, expires_at__gt=timezone.now()
    )
    if waiting.exists():
        raise TransitionError(
            f"{email} already has an invitation waiting. Resend it or withdraw it first."
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = TeamInvitation.objects.create(
        service=service,
        email=email,
        name=name.strip(),
        role=role,
        as_lead=as_lead,
        token_hash=token_digest(token),
        invited_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    what = "as a lead" if as_lead else "as a member"
    _event(service, by, "invited", f"{email} invited {what}")
    _send_invitation(invitation, token, by)
    return invitation


def _locked_pending(invitation: TeamInvitation) -> TeamInvitation:
    locked = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Pending:
        raise TransitionError(
            f"This invitation is {locked.get_status_display().lower()}; nothing was changed."
        )
    return locked


@transaction.atomic
def invitation_resend(*, invitation: TeamInvitation, by: User) -> TeamInvitation:
    """A new link and a new expiry; the earlier link stops working. The address's quota
    (checked by the view) limits how often."""
    invitation = _locked_pending(invitation)
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_digest(token)
    invitation.expires_at = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _event(invitation.service, by, "invited", f"invitation to {invitation.email} resent")
    _send_invitation(invitation, token, by)
    return invitation


def _decide(invitation: TeamInvitation, to: str, by: User, detail: str) -> TeamInvitation:
    invitation = _locked_pending(invitation)
    invitation.status = to
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    _event(invitation.service, by, to, detail, from_status=Pending)
    return invitation


@transaction.atomic
def invitation_withdraw(*, invitation: TeamInvitation, by: User) -> TeamInvitation:
    detail = f"invitation to {invitation.email} withdrawn"
    return _decide(invitation, TeamInvitation.Status.WITHDRAWN, by, detail)


def invitation_for_token(token: str) -> TeamInvitation | None:
    return (
        TeamInvitation.objects.select_related("service", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def check_invitation(invitation: TeamInvitation | None, user: User | None) -> None:
    """The same misuse handling as supervision invitations: unknown, expired, used or
    withdrawn, someone else's."""
    if invitation is None:
        raise InvitationProblem("This invitation link is not valid. It may have been resent.")
    if invitation.status == Pending and invitation.expires_at <= timezone.now():
        raise InvitationProblem(
            "This invitation has expired. Ask the service's lead for a new one."
        )
    if invitation.status != Pending:
        raise InvitationProblem(
            f"This invitation has already been used or withdrawn "
            f"({invitation.get_status_display().lower()})."
        )
    if user is not None and user.is_authenticated:
        if invitation.service.memberships.filter(user=user, left_at=None).exists():
            raise InvitationProblem(f"You are already in {invitation.service.name}.")
        if user.email.lower() != invitation.email.lower():
            raise InvitationProblem(
                "This invitation was sent to a different email address. Sign in with the "
                "account for that address, or ask for the invitation to be sent to yours."
            )


def check_sharing(
    *, user: User, share: bool, role: str, as_lead: bool = False, is_lead: bool = False
) -> str | None:
    """Why this choice cannot be made, or None. Sharing needs a portfolio to summarise;
    only leads and support or administration staff may be in a team without sharing."""
    if share and not has_portfolio(user):
        return (
            "Sharing a summary needs a portfolio. Set up your portfolio first, or join in the "
            "support or administration role without sharing."
        )
    if not share and not (as_lead or is_lead) and role not in NON_SHARING_ROLES:
        return (
            "Tick the box to agree to share your summary, or decline the invitation. Only "
            "support or administration staff can join without sharing."
        )
    return None


@transaction.atomic
def invitation_accept(
    *,
    invitation: TeamInvitation,
    user: User,
    role: str,
    wte: Decimal,
    target_level: int | None,
    share: bool,
) -> Membership:
    check_invitation(invitation, user)
    problem = check_sharing(user=user, share=share, role=role, as_lead=invitation.as_lead)
    if problem:
        raise TransitionError(problem)
    invitation = _locked_pending(invitation)
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                service=invitation.service,
                user=user,
                is_lead=invitation.as_lead,
                shares_summary=share,
                consented_at=now if share else None,
                role=role,
                wte=wte,
                target_level=target_level,
                joined_at=now,
            )
    except IntegrityError:
        raise InvitationProblem(f"You are already in {invitation.service.name}.") from None
    invitation.status = TeamInvitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.decided_at = now
    invitation.save(update_fields=["status", "accepted_by", "decided_at"])
    sharing = "sharing their summary" if share else "not sharing a summary"
    lead = " as a lead" if invitation.as_lead else ""
    _event(
        invitation.service,
        user,
        "accepted",
        f"{user.full_name} joined{lead} as {membership.get_role_display().lower()}, {sharing}",
        membership=membership,
        from_status=Pending,
    )
    return membership


@transaction.atomic
def invitation_decline(*, invitation: TeamInvitation, user: User) -> TeamInvitation:
    check_invitation(invitation, user)
    detail = f"invitation to {invitation.email} declined"
    return _decide(invitation, TeamInvitation.Status.DECLINED, user, detail)


# --- Members ---------------------------------------------------------------------------------


def _locked_current(membership: Membership) -> Membership:
    locked = Membership.objects.select_for_update().select_related("service", "user")
    found = locked.filter(pk=membership.pk, left_at=None).first()
    if found is None:
        raise TransitionError("This person is no longer in the service; nothing was changed.")
    return found


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    by: User,
    role: str,
    wte: Decimal,
    target_level: int | None,
    share: bool,
) -> Membership:
    """The member's own choices: role, WTE, target level, and whether to share at all."""
    membership = _locked_current(membership)
    problem = check_sharing(
        user=membership.user, share=share, role=role, is_lead=membership.is_lead
    )
    if problem:
        raise TransitionError(problem)
    was_sharing = membership.shares_summary
    changes = [
        label
        for label, old, new in (
            ("role", membership.role, role),
            ("WTE", membership.wte, wte),
            ("target level", membership.target_level, target_level),
        )
        if old != new
    ]
    membership.role, membership.wte, membership.target_level = role, wte, target_level
    membership.shares_summary = share
    if share and not was_sharing:
        membership.consented_at = timezone.now()
    if not share:
        membership.consented_at = None
    membership.save()
    if share != was_sharing:
        to = "sharing" if share else "not_sharing"
        detail = "started sharing their summary" if share else "stopped sharing their summary"
        _event(
            membership.service,
            by,
            to,
            f"{membership.user.full_name} {detail}",
            membership=membership,
        )
    if changes:
        _event(
            membership.service,
            by,
            "updated",
            f"{membership.user.full_name} changed {', '.join(changes)}",
            membership=membership,
        )
    return membership


def _end(membership: Membership, by: User, to: str, detail: str) -> Membership:
    if is_last_lead(membership):
        raise TransitionError(
            f"{membership.user.full_name} is the only lead of {membership.service.name}. "
            "Make another member a lead first."
        )
    membership.left_at = timezone.now()
    membership.shares_summary = False  # sharing stops at once
    membership.save(update_fields=["left_at", "shares_summary"])
    _event(membership.service, by, to, detail, membership=membership)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, by: User) -> Membership:
    membership = _locked_current(membership)
    # Locks the service's leads so two leads leaving at once cannot both pass the check.
    list(membership.service.memberships.select_for_update().filter(is_lead=True, left_at=None))
    return _end(membership, by, "left", f"{membership.user.full_name} left the service")


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> Membership:
    membership = _locked_current(membership)
    list(membership.service.memberships.select_for_update().filter(is_lead=True, left_at=None))
    return _end(membership, by, "removed", f"{membership.user.full_name} removed by {by.full_name}")


@transaction.atomic
def make_lead(*, membership: Membership, by: User) -> Membership:
    membership = _locked_current(membership)
    if membership.is_lead:
        raise TransitionError(f"{membership.user.full_name} is already a lead.")
    membership.is_lead = True
    membership.save(update_fields=["is_lead"])
    _event(
        membership.service,
        by,
        "lead",
        f"{membership.user.full_name} made a lead by {by.full_name}",
        membership=membership,
    )
    return membership
