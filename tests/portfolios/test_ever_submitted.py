"""services.ever_submitted answers the same from the rows a page has read as from queries."""

from __future__ import annotations

import pytest

from portfolios import services
from portfolios.supervision.services import evidence_submit, supervision_end
from tests.factories import make_evidence, make_returned, make_supervision


def both_ways(evidence) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    revisions = list(evidence.revisions.all())
    events = list(evidence.events.all())
    return services.ever_submitted(evidence), services.ever_submitted(evidence, revisions, events)


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "handed_back"])
def test_the_rule_is_the_same_with_or_without_queries(practitioner, supervisor, state) -> None:  # type: ignore[no-untyped-def]
    expected = state != "draft"
    if state == "draft":
        evidence = make_evidence(practitioner.portfolio)
    elif state == "returned":
        evidence = make_returned(practitioner, supervisor, "Say more about the baby's cues.")
    else:
        supervision = make_supervision(practitioner.portfolio, supervisor)
        evidence = make_evidence(practitioner.portfolio)
        evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
        if state == "handed_back":  # an ended supervision hands it back as a draft
            supervision_end(supervision=supervision, by=practitioner)
        evidence.refresh_from_db()
    assert both_ways(evidence) == (expected, expected)
