"""Supervision reads, scoped to the supervisor: their supervisees, their review queue and
what was submitted to them. Each starts from `Supervision.objects.for_supervisor(user)` or
`reviewer_revisions(user)`, so an ended supervision shows nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from competencies.content import framework_content
from competencies.models import Competency
from imhcpd.models import User
from portfolios.models import Evidence, EvidenceKind, EvidenceLink, EvidenceRevision, Portfolio
from portfolios.supervision.models import Supervision
from portfolios.supervision.permissions import reviewer_revisions


def supervisees(user: User) -> list[Supervision]:
    return list(
        Supervision.objects.for_supervisor(user)
        .select_related("portfolio__user")
        .order_by("portfolio__user__full_name")
    )


# What a row of the queue shows (and `with_link_competencies` reads): not the revision's
# details and flags (JSON, parsed for each row) nor the practitioner's account. A field left
# out and then shown would cost a query a row, which tests/imhcpd/test_list_query_counts.py
# catches.
QUEUE_FIELDS = (
    "number",
    "status",
    "title",
    "submitted_at",
    "submitted_level",
    "submitted_to_id",
    "evidence__kind",
    "evidence__portfolio__framework_id",
    "evidence__portfolio__user__full_name",
)


def review_queue(
    user: User,
    *,
    active: Sequence[Supervision] | None = None,
    supervision_id: int | None = None,
    kind: str = "",
    domain: int | None = None,
) -> QuerySet[EvidenceRevision]:
    """Everything waiting for this supervisor, oldest first, optionally filtered. The links
    are prefetched without their competencies: `with_link_competencies` sets those.

    Not `reviewer_revisions(user)`: its "not a draft" next to "submitted" made PostgreSQL
    multiply the two selectivities, expect 22 of the load database's 400 submitted
    revisions, and pick a plan that walked every supervisor's (5 ms instead of 0.6).

    `active`: this user's supervisions as `supervisees(user)` read them, when the caller has
    them. Their ids take the place of a subquery, which PostgreSQL took three times as long
    to plan as to run."""
    if active is None:
        within: Iterable[int] | QuerySet[Supervision] = Supervision.objects.for_supervisor(user)
    else:
        within = [supervision.pk for supervision in active]
    queue = (
        EvidenceRevision.objects.filter(
            submitted_to__in=within,
            status=EvidenceRevision.Status.SUBMITTED,
        )
        .select_related("evidence__portfolio__user")
        .only(*QUEUE_FIELDS)
        .prefetch_related("links")
        .order_by("submitted_at", "pk")
    )
    if supervision_id is not None:
        queue = queue.filter(submitted_to_id=supervision_id)
    if kind in EvidenceKind.values:
        queue = queue.filter(evidence__kind=kind)
    if domain is not None:
        queue = queue.filter(links__competency__domain__number=domain).distinct()
    return queue


def revision_to_review(user: User, pk: int) -> EvidenceRevision:
    """`get_revision_for_reviewer` for the review page: with the revision's review (if it has
    one), which the page shows, and without the supervision, which only a sign-off or return
    reads. Each joined table adds to PostgreSQL's planning, which costs more than running
    this query: 1.1 ms planned with the supervision, 0.8 with the review instead, and the
    review's own query gone."""
    return get_object_or_404(
        reviewer_revisions(user).select_related("evidence__portfolio__user", "review"), pk=pk
    )


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


def with_link_competencies(revisions: Iterable[EvidenceRevision]) -> None:
    """Sets the competency of each revision's (prefetched) links from the framework content
    held in memory (competencies.content) rather than reading it again: the queue and the
    review page show its code and title. A link to a competency outside its portfolio's
    framework version is read from the database, all such in one query."""
    elsewhere: list[EvidenceLink] = []
    for revision in revisions:
        content = framework_content(revision.evidence.portfolio.framework_id)
        for link in revision.links.all():
            competency = content.competency_by_pk(link.competency_id)
            if competency is None:
                elsewhere.append(link)
            else:
                # Sets the link's cache only: related_name="+" leaves the shared object as is.
                link.competency = competency
    if elsewhere:
        found = Competency.objects.in_bulk({link.competency_id for link in elsewhere})
        for link in elsewhere:
            link.competency = found[link.competency_id]
