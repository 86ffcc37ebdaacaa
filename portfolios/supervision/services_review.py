"""What supervision does to submitted evidence: submission for review, sign-off and return
(one or many), and the record of a supervisor opening a submitted attachment.

Every decision is a conditional update inside a transaction with its audit row, so two
supervisors, two tabs or a double click produce exactly one outcome. Notifications about
one item share a group (`evidence_group`), so the inbox shows them as one entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from imhcpd.models import User
from portfolios import confidentiality
from portfolios.evidence_kinds import text_to_scan
from portfolios.models import (
    Attachment,
    Evidence,
    EvidenceEvent,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
)
from portfolios.services import TransitionError, evidence_event
from portfolios.supervision.models import AttachmentAccess, Review, Supervision
from portfolios.supervision.notifications import evidence_group, notify, preferences_for

Status = EvidenceRevision.Status
SStatus = Supervision.Status


@transaction.atomic
def evidence_submit(*, evidence: Evidence, supervision: Supervision, by: User) -> EvidenceRevision:
    if supervision.portfolio_id != evidence.portfolio_id or not supervision.is_active:
        raise TransitionError("Choose one of your active supervisors.")
    revision = EvidenceRevision.objects.select_for_update().get(pk=evidence.current_id)
    if revision.status != Status.DRAFT:
        raise TransitionError(
            f"This item is {revision.get_status_display().lower()}, not a draft; "
            "only a draft can be submitted."
        )
    links = list(revision.links.all())
    if not links:
        raise TransitionError("Link at least one competency before asking for review.")
    texts = text_to_scan(
        evidence.kind, revision.title, revision.details, [link.rationale for link in links]
    )
    if confidentiality.scan_fields(texts) and revision.confidentiality_confirmed_at is None:
        raise TransitionError(
            "Some text may identify a family. Edit the item and check it before submitting."
        )
    now = timezone.now()
    # Fixed here: a later change of target level does not change what a sign-off counts for.
    level = Portfolio.objects.values_list("target_level", flat=True).get(pk=evidence.portfolio_id)
    updated = EvidenceRevision.objects.filter(pk=revision.pk, status=Status.DRAFT).update(
        status=Status.SUBMITTED,
        submitted_to=supervision,
        submitted_at=now,
        submitted_level=level,
        updated_at=now,
    )
    if updated != 1:
        raise TransitionError("This item changed in the meantime; reload and try again.")
    Evidence.objects.filter(pk=evidence.pk).update(updated_at=now)
    evidence_event(
        evidence=evidence,
        revision=revision,
        action=EvidenceEvent.Action.SUBMITTED,
        by=by,
        from_status=Status.DRAFT,
        to_status=Status.SUBMITTED,
        detail=f"to {supervision.invitee_name}",
    )
    revision.refresh_from_db()  # the email says the level fixed above
    supervisor = supervision.supervisor
    notify(
        supervisor,
        f"{by.full_name} submitted “{revision.title}” for your review.",
        reverse("supervision:review", args=[revision.pk]),
        email=None if preferences_for(supervisor).weekly_digest else "supervision/submitted",
        context={
            "revision": revision,
            "practitioner": by,
            "supervision": supervision,
            "attachments": revision.attachments.count(),
        },
        group=evidence_group(evidence),
    )
    return revision


def declaration_text(level: int) -> str:
    return (
        "I have reviewed this evidence and it demonstrates the linked competencies "
        f"at Level {level}."
    )


def _decide(revision: EvidenceRevision, by: User, to: str) -> tuple[EvidenceRevision, Supervision]:
    """The race guard shared by sign-off and return: exactly one decision per revision."""
    supervision = revision.submitted_to
    if supervision is None or not supervision.is_active or supervision.supervisor_id != by.pk:
        raise TransitionError("This item is not waiting for your review.")
    # The supervision may have ended since this page loaded. Locked (supervision_end's order)
    # rather than joined into the UPDATE: PostgreSQL does not re-check a joined row after
    # waiting for a lock, so two tabs would both have "won".
    if not Supervision.objects.select_for_update().filter(pk=supervision.pk, status=SStatus.ACTIVE):
        raise TransitionError("This item is not waiting for your review.")
    updated = EvidenceRevision.objects.filter(
        pk=revision.pk, status=Status.SUBMITTED, submitted_to=supervision
    ).update(
        status=to,
        # A sign-off counts at the level fixed at submission, read in the same UPDATE.
        signed_off_level=F("submitted_level") if to == Status.SIGNED_OFF else None,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise TransitionError("This item has already been reviewed; nothing was changed.")
    revision.refresh_from_db()
    return revision, supervision


@dataclass(frozen=True)
class SignOffResult:
    review: Review
    accepted: int
    rejected: int


@transaction.atomic
def review_sign_off(
    *,
    revision: EvidenceRevision,
    by: User,
    accepted_link_ids: list[int] | None = None,
    declared: bool,
) -> SignOffResult:
    if not declared:
        raise TransitionError("Tick the declaration to sign off.")
    links = list(revision.links.all())
    accepted_ids = (
        {link.pk for link in links} if accepted_link_ids is None else set(accepted_link_ids)
    )
    if not accepted_ids & {link.pk for link in links}:
        raise TransitionError("Keep at least one competency ticked, or return the item instead.")
    revision, supervision = _decide(revision, by, Status.SIGNED_OFF)
    level = revision.signed_off_level
    if level is None:  # cannot happen after portfolios 0005; refuse rather than guess
        raise TransitionError("This item has no level to sign off at; ask for it again.")
    review = Review.objects.create(
        revision=revision,
        supervision=supervision,
        reviewer=by,
        outcome=Review.Outcome.SIGNED_OFF,
        level=level,
        declaration=declaration_text(level),
    )
    EvidenceLink.objects.filter(revision=revision, pk__in=accepted_ids).update(accepted=True)
    EvidenceLink.objects.filter(revision=revision).exclude(pk__in=accepted_ids).update(
        accepted=False
    )
    accepted = sum(1 for link in links if link.pk in accepted_ids)
    evidence_event(
        evidence=None,
        revision=revision,
        action=EvidenceEvent.Action.SIGNED_OFF,
        by=by,
        from_status=Status.SUBMITTED,
        to_status=Status.SIGNED_OFF,
        detail=f"at Level {level}; {accepted} of {len(links)} competencies accepted",
    )
    notify(
        revision.evidence.portfolio.user,
        f"{by.full_name} signed off “{revision.title}” at Level {level}.",
        reverse("portfolios:evidence_detail", args=[revision.evidence_id]),
        email="supervision/signed_off",
        context={"revision": revision, "reviewer": by, "review": review, "level": level},
        group=evidence_group(revision.evidence),
    )
    return SignOffResult(review, accepted, len(links) - accepted)


@transaction.atomic
def review_return(*, revision: EvidenceRevision, by: User, feedback: str) -> Review:
    feedback = feedback.strip()
    if not feedback:
        raise TransitionError("Say what needs to change before returning the item.")
    revision, supervision = _decide(revision, by, Status.RETURNED)
    review = Review.objects.create(
        revision=revision,
        supervision=supervision,
        reviewer=by,
        outcome=Review.Outcome.RETURNED,
        feedback=feedback,
    )
    evidence_event(
        evidence=None,
        revision=revision,
        action=EvidenceEvent.Action.RETURNED,
        by=by,
        from_status=Status.SUBMITTED,
        to_status=Status.RETURNED,
        detail=feedback[:500],
    )
    notify(
        revision.evidence.portfolio.user,
        f"{by.full_name} returned “{revision.title}” with feedback.",
        reverse("portfolios:evidence_detail", args=[revision.evidence_id]),
        email="supervision/returned",
        context={"revision": revision, "reviewer": by, "review": review},
        group=evidence_group(revision.evidence),
    )
    return review


def review_bulk_sign_off(
    *, revisions: list[EvidenceRevision], by: User, declared: bool
) -> tuple[list[Review], list[tuple[EvidenceRevision, str]]]:
    """One declaration, one review per item; an item someone else decided is skipped."""
    if not declared:
        raise TransitionError("Tick the declaration to sign off.")
    done: list[Review] = []
    skipped: list[tuple[EvidenceRevision, str]] = []
    for revision in revisions:
        try:
            done.append(review_sign_off(revision=revision, by=by, declared=True).review)
        except TransitionError as exc:
            skipped.append((revision, str(exc)))
    return done, skipped


# --- Attachments ---------------------------------------------------------------------------


@transaction.atomic
def attachment_opened(*, attachment: Attachment, by: User, inline: bool) -> AttachmentAccess:
    """Record that `by` opened (or downloaded) an attachment they do not own. Called by the
    view before the file is served: no file reaches a reviewer without its record."""
    return AttachmentAccess.objects.create(attachment=attachment, user=by, inline=inline)
