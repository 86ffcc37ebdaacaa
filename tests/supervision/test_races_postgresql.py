"""Two tabs of one supervisor (or a double click) deciding the same submitted item at the same
moment, on real threads against PostgreSQL: exactly one decision, one review, one audit row."""

from __future__ import annotations

import pytest

from imhcpd.models import User
from portfolios.models import EvidenceEvent, EvidenceRevision
from portfolios.services import TransitionError
from portfolios.supervision import services as sv
from portfolios.supervision.models import Review
from tests.factories import make_evidence, make_supervision
from tests.races import postgresql_only, race

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]


def test_sign_off_and_return_of_the_same_item_make_exactly_one_review(  # type: ignore[no-untyped-def]
    practitioner: User, supervisor: User
) -> None:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio)
    revision = sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)

    def sign_off() -> object:
        tab = EvidenceRevision.objects.get(pk=revision.pk)
        return sv.review_sign_off(revision=tab, by=supervisor, declared=True)

    def give_back() -> object:
        tab = EvidenceRevision.objects.get(pk=revision.pk)
        return sv.review_return(revision=tab, by=supervisor, feedback="Say more.")

    for attempt in range(3):  # each round a fresh submission, to give the race a few chances
        results = race(sign_off, sign_off) if attempt == 0 else race(sign_off, give_back)
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1, results
        assert isinstance(errors[0], TransitionError), errors[0]
        assert "already been reviewed" in str(errors[0])
        decided = EvidenceRevision.objects.get(pk=revision.pk)
        assert decided.status in (EvidenceRevision.Status.SIGNED_OFF, "returned")
        assert Review.objects.filter(revision=revision).count() == 1
        assert (
            EvidenceEvent.objects.filter(
                revision=revision,
                action__in=(EvidenceEvent.Action.SIGNED_OFF, EvidenceEvent.Action.RETURNED),
            ).count()
            == 1
        )
        if attempt < 2:
            evidence = make_evidence(practitioner.portfolio, title=f"Round {attempt + 2}")
            revision = sv.evidence_submit(
                evidence=evidence, supervision=supervision, by=practitioner
            )
