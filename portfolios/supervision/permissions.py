"""Supervision's permission helpers: a supervisor sees only what was submitted to them, and
only while the supervision is active; anyone else gets 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from imhcpd.models import User
from portfolios.models import Attachment, Evidence, EvidenceRevision
from portfolios.supervision.models import Supervision


def reviewer_revisions(user: User) -> QuerySet[EvidenceRevision]:
    """Revisions submitted to this person in a supervision they still give (never drafts)."""
    return EvidenceRevision.objects.filter(
        submitted_to__in=Supervision.objects.for_supervisor(user)
    ).exclude(status=EvidenceRevision.Status.DRAFT)


def get_revision_for_reviewer(user: User, pk: int) -> EvidenceRevision:
    return get_object_or_404(
        reviewer_revisions(user).select_related("evidence__portfolio__user", "submitted_to"),
        pk=pk,
    )


def get_attachment_for_reviewer(user: User, pk: int) -> Attachment:
    """An attachment of a revision submitted to this person (never a draft's, never one
    from a supervision that has ended)."""
    return get_object_or_404(
        Attachment.objects.filter(revision__in=reviewer_revisions(user)).select_related(
            "revision__evidence"
        ),
        pk=pk,
    )


def get_evidence_for_reviewer(user: User, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("portfolio__user", "current").filter(
            pk__in=reviewer_revisions(user).values("evidence_id")
        ),
        pk=pk,
    )


def get_supervision_as_supervisor(user: User, pk: int) -> Supervision:
    return get_object_or_404(
        Supervision.objects.for_supervisor(user).select_related(
            "portfolio__user", "portfolio__framework"
        ),
        pk=pk,
    )


def get_supervision_as_practitioner(user: User, pk: int) -> Supervision:
    return get_object_or_404(Supervision.objects.for_practitioner(user), pk=pk)


def get_evidence_for_commenter(user: User, pk: int) -> Evidence:
    """The owner, or a supervisor reviewing it, may comment; anyone else gets 404."""
    owned = (
        Evidence.objects.for_owner(user)
        .filter(pk=pk)
        .select_related("current", "portfolio__user")
        .first()
    )
    return owned if owned is not None else get_evidence_for_reviewer(user, pk)
