"""Supervision reads, scoped to the supervisor: their supervisees, their review queue and
what was submitted to them. Each starts from `Supervision.objects.for_supervisor(user)` or
`reviewer_revisions(user)`, so an ended supervision shows nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from imhcpd.models import User
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision, Portfolio
from portfolios.supervision.models import Supervision
from portfolios.supervision.permissions import reviewer_revisions


def supervisees(user: User) -> list[Supervision]:
    return list(
        Supervision.objects.for_supervisor(user)
        .select_related("portfolio__user")
        .order_by("portfolio__user__full_name")
    )


def review_queue(
    user: User, *, supervision_id: int | None = None, kind: str = "", domain: int | None = None
) -> QuerySet[EvidenceRevision]:
    """Everything waiting for this supervisor, oldest first, optionally filtered."""
    queue = (
        reviewer_revisions(user)
        .filter(status=EvidenceRevision.Status.SUBMITTED)
        .select_related("evidence__portfolio__user", "submitted_to")
        .prefetch_related("links__competency")
        .order_by("submitted_at", "pk")
    )
    if supervision_id is not None:
        queue = queue.filter(submitted_to_id=supervision_id)
    if kind in EvidenceKind.values:
        queue = queue.filter(evidence__kind=kind)
    if domain is not None:
        queue = queue.filter(links__competency__domain__number=domain).distinct()
    return queue


def submitted_by(user: User, portfolio: Portfolio) -> QuerySet[EvidenceRevision]:
    """What this supervisee has submitted to this supervisor, newest first."""
    return (
        reviewer_revisions(user)
        .filter(evidence__portfolio=portfolio)
        .select_related("evidence")
        .order_by("-submitted_at")
    )


def revisions_of(user: User, evidence: Evidence) -> QuerySet[EvidenceRevision]:
    """The revisions of one item that were submitted to this supervisor."""
    return (
        reviewer_revisions(user)
        .filter(evidence=evidence)
        .prefetch_related("links__competency", "attachments")
        .select_related("review")
        .order_by("-number")
    )


def title_submitted_to(user: User, evidence: Evidence) -> str:
    """The title of the latest revision of this item submitted to this supervisor: what a
    supervisor is told, never the title of a draft they have not seen."""
    title = (
        EvidenceRevision.objects.filter(evidence=evidence, submitted_to__supervisor=user)
        .order_by("-number")
        .values_list("title", flat=True)
        .first()
    )
    return title or evidence.get_kind_display()
