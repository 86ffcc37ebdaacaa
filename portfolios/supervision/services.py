"""What supervision does: invitations (invite, resend, cancel, accept, decline, end) and
comments. Submission, sign-off, return and opening attachments are in `services_review.py`
(imported here too, so `services.review_sign_off` keeps working); notifications and the
weekly digest are in `notifications.py`.

Every transition is a conditional update inside a transaction with its audit row, so two
supervisors, two tabs or a double click produce exactly one outcome.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.links import absolute_url, token_digest
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.models import Evidence, EvidenceEvent, EvidenceRevision, Portfolio
from portfolios.services import TransitionError, evidence_event
from portfolios.supervision.models import Comment, Supervision, SupervisionEvent
from portfolios.supervision.notifications import evidence_group, notify
from portfolios.supervision.selectors import title_submitted_to

# Re-exported: views, other apps and tests call these as `services.<name>`.
from portfolios.supervision.services_review import (  # noqa: F401
    SignOffResult,
    attachment_opened,
    declaration_text,
    evidence_submit,
    review_bulk_sign_off,
    review_return,
    review_sign_off,
)

INVITATION_DAYS = 30
RESEND_INTERVAL = dt.timedelta(hours=1)
MAX_SENDS = 5
Status = EvidenceRevision.Status
SStatus = Supervision.Status


# --- Invitations ------------------------------------------------------------------


def _supervision_event(
    supervision: Supervision, by: User | None, from_status: str, to_status: str, detail: str = ""
) -> None:
    SupervisionEvent.objects.create(
        supervision=supervision,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


def _send_invitation(supervision: Supervision, token: str) -> None:
    send_templated_email(
        to=supervision.invitee_email,
        name="supervision/invitation",
        context={
            "supervision": supervision,
            "practitioner": supervision.portfolio.user,
            "url": absolute_url(reverse("supervision:invitation", args=[token])),
        },
    )


@transaction.atomic
def supervision_invite(
    *, portfolio: Portfolio, name: str, email: str, role: str, by: User
) -> Supervision:
    email = email.strip().lower()
    if email == portfolio.user.email.lower():
        raise TransitionError("You cannot be your own supervisor.")
    open_ = portfolio.supervisions.filter(
        invitee_email__iexact=email, status__in=[SStatus.INVITED, SStatus.ACTIVE]
    )
    if open_.exists():
        raise TransitionError(f"{email} already has an open invitation or supervision with you.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    supervision = Supervision.objects.create(
        portfolio=portfolio,
        invitee_name=name.strip(),
        invitee_email=email,
        role=role,
        token_hash=token_digest(token),
        invited_at=now,
        last_sent_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    _supervision_event(supervision, by, "", SStatus.INVITED, f"invitation sent to {email}")
    _send_invitation(supervision, token)
    return supervision


@transaction.atomic
def supervision_resend(*, supervision: Supervision, by: User) -> Supervision:
    supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
    if supervision.status != SStatus.INVITED:
        raise TransitionError("Only an invitation that is still waiting can be resent.")
    now = timezone.now()
    if now - supervision.last_sent_at < RESEND_INTERVAL:
        raise TransitionError("The invitation was sent less than an hour ago; please wait.")
    if supervision.send_count >= MAX_SENDS:
        raise TransitionError(
            f"The invitation has been sent {MAX_SENDS} times. Cancel it and check the address."
        )
    token = secrets.token_urlsafe(32)  # the earlier link stops working
    supervision.token_hash = token_digest(token)
    supervision.last_sent_at = now
    supervision.expires_at = now + dt.timedelta(days=INVITATION_DAYS)
    supervision.send_count += 1
    supervision.save()
    _supervision_event(supervision, by, SStatus.INVITED, SStatus.INVITED, "invitation resent")
    _send_invitation(supervision, token)
    return supervision


def _transition(
    supervision: Supervision,
    by: User | None,
    allowed: tuple[str, ...],
    to: str,
    detail: str = "",
    **fields: object,
) -> Supervision:
    """Conditional update: only one of two racing actors gets past here."""
    if not transition(supervision, allowed, to, by=by, detail=detail, **fields):
        raise TransitionError(
            f"This supervision is {supervision.get_status_display().lower()}; nothing was changed."
        )
    return supervision


@transaction.atomic
def supervision_cancel(*, supervision: Supervision, by: User) -> Supervision:
    return _transition(supervision, by, (SStatus.INVITED,), SStatus.CANCELLED)


def invitation_for_token(token: str) -> Supervision | None:
    return (
        Supervision.objects.select_related("portfolio__user")
        .filter(token_hash=token_digest(token))
        .first()
    )


class InvitationProblem(TransitionError):
    """Why an invitation link cannot be used; shown on its own page."""


def check_invitation(supervision: Supervision | None, user: User | None) -> None:
    if supervision is None:
        raise InvitationProblem("This invitation link is not valid. It may have been resent.")
    if supervision.status == SStatus.INVITED and supervision.expires_at <= timezone.now():
        raise InvitationProblem("This invitation has expired. Ask for a new one.")
    if supervision.status != SStatus.INVITED:
        raise InvitationProblem(
            f"This invitation has already been used or withdrawn "
            f"({supervision.get_status_display().lower()})."
        )
    if user is not None and user.is_authenticated:
        if user.pk == supervision.portfolio.user_id:
            raise InvitationProblem("You cannot accept your own invitation.")
        if user.email.lower() != supervision.invitee_email.lower():
            raise InvitationProblem(
                "This invitation was sent to a different email address. Sign in with the "
                "account for that address, or ask for the invitation to be sent to yours."
            )


@transaction.atomic
def supervision_accept(*, supervision: Supervision, user: User) -> Supervision:
    check_invitation(supervision, user)
    if Supervision.objects.filter(
        portfolio=supervision.portfolio, supervisor=user, status=SStatus.ACTIVE
    ).exists():
        raise InvitationProblem("You already supervise this practitioner.")
    try:
        with transaction.atomic():
            supervision = _transition(
                supervision,
                user,
                (SStatus.INVITED,),
                SStatus.ACTIVE,
                supervisor=user,
                responded_at=timezone.now(),
            )
    except IntegrityError:
        raise InvitationProblem("You already supervise this practitioner.") from None
    notify(
        supervision.portfolio.user,
        f"{user.full_name} accepted your invitation to be your "
        f"{supervision.get_role_display().lower()}.",
        reverse("supervision:supervisors"),
        email="supervision/accepted",
        context={"supervision": supervision, "supervisor": user},
    )
    return supervision


@transaction.atomic
def supervision_decline(*, supervision: Supervision, user: User) -> Supervision:
    check_invitation(supervision, user)
    supervision = _transition(
        supervision, user, (SStatus.INVITED,), SStatus.DECLINED, responded_at=timezone.now()
    )
    notify(
        supervision.portfolio.user,
        f"{supervision.invitee_name} declined your invitation.",
        reverse("supervision:supervisors"),
        email="supervision/declined",
        context={"supervision": supervision},
    )
    return supervision


def _items_back(count: int) -> str:
    if count == 1:
        return "1 item waiting for review is back with you as a draft."
    return f"{count} items waiting for review are back with you as drafts."


@transaction.atomic
def supervision_end(*, supervision: Supervision, by: User) -> Supervision:
    """End an active supervision; anything still waiting for review goes back to draft."""
    supervision = _transition(
        supervision, by, (SStatus.ACTIVE,), SStatus.ENDED, ended_at=timezone.now()
    )
    pending = list(
        EvidenceRevision.objects.select_for_update().filter(
            submitted_to=supervision, status=Status.SUBMITTED
        )
    )
    for revision in pending:
        EvidenceRevision.objects.filter(pk=revision.pk, status=Status.SUBMITTED).update(
            status=Status.DRAFT, submitted_to=None, submitted_at=None, submitted_level=None
        )
        evidence_event(
            evidence=None,
            revision=revision,
            action=EvidenceEvent.Action.RETURNED,
            by=by,
            from_status=Status.SUBMITTED,
            to_status=Status.DRAFT,
            detail="The supervision ended before a review; the item is yours to edit again.",
        )
    practitioner = supervision.portfolio.user
    if pending:
        notify(
            practitioner,
            f"Your supervision with {supervision.invitee_name} has ended. "
            + _items_back(len(pending)),
            reverse("portfolios:evidence_list"),
            email="supervision/ended_items_returned",
            context={"supervision": supervision, "returned": pending},
        )
    if supervision.supervisor_id and by.pk != supervision.supervisor_id:
        notify(
            supervision.supervisor,
            f"{practitioner.full_name} ended your supervision.",
            reverse("supervision:home"),
            email="supervision/ended",
            context={"supervision": supervision, "practitioner": practitioner},
        )
    return supervision


# --- Comments ------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, evidence: Evidence, by: User, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise TransitionError("Write a comment first.")
    comment = Comment.objects.create(evidence=evidence, author=by, body=body)
    owner = evidence.portfolio.user
    title = evidence.current.title
    if by.pk == owner.pk:
        for supervisor in reviewers_of(evidence):
            seen = title_submitted_to(supervisor, evidence)  # never a draft's title
            notify(
                supervisor,
                f"{by.full_name} commented on “{seen}”.",
                reverse("supervision:evidence", args=[evidence.pk]),
                email="supervision/comment",
                context={"comment": comment, "title": seen, "author": by},
                group=evidence_group(evidence),
            )
    else:
        notify(
            owner,
            f"{by.full_name} commented on “{title}”.",
            reverse("portfolios:evidence_detail", args=[evidence.pk]),
            email="supervision/comment",
            context={"comment": comment, "title": title, "author": by},
            group=evidence_group(evidence),
        )
    return comment


def reviewers_of(evidence: Evidence) -> QuerySet[User]:
    """Active supervisors to whom some revision of this item was submitted."""
    return User.objects.filter(
        supervisions_given__status=SStatus.ACTIVE,
        supervisions_given__submitted_revisions__evidence=evidence,
    ).distinct()
