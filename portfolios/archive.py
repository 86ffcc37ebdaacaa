"""Anything ever submitted for review is kept: such an item can be archived (hidden from the
evidence list, every revision, review and attachment kept) and restored, never deleted.

A separate module from `services.py` only to keep that one under 500 lines; the functions are
services like the others (keyword-only, one transaction, an audit row each)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from imhcpd.models import User
from portfolios.models import Evidence, EvidenceEvent, EvidenceRevision
from portfolios.services import TransitionError, ever_submitted, evidence_event

Status = EvidenceRevision.Status


@transaction.atomic
def evidence_archive(*, evidence: Evidence, by: User) -> Evidence:
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    current = EvidenceRevision.objects.get(pk=evidence.current_id)
    if not ever_submitted(evidence):
        raise TransitionError("A draft never submitted for review can be deleted instead.")
    if current.status == Status.SUBMITTED:
        raise TransitionError(
            "This item is with your supervisor for review; it can be archived once they have "
            "signed it off or returned it."
        )
    if (
        Evidence.objects.filter(pk=evidence.pk, archived_at=None).update(archived_at=timezone.now())
        != 1
    ):
        raise TransitionError("This item is already archived.")
    evidence_event(evidence, current, EvidenceEvent.Action.ARCHIVED, by)
    evidence.refresh_from_db()
    return evidence


@transaction.atomic
def evidence_restore(*, evidence: Evidence, by: User) -> Evidence:
    if (
        Evidence.objects.filter(pk=evidence.pk, archived_at__isnull=False).update(archived_at=None)
        != 1
    ):
        raise TransitionError("This item is not archived.")
    evidence_event(evidence, evidence.current, EvidenceEvent.Action.RESTORED, by)
    evidence.refresh_from_db()
    return evidence
