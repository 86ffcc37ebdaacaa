"""Issue 11's supervision rules: the sign-off level is fixed at submission, supervisors are
told only what was submitted to them, and an audited transition reads its from-status under
a lock."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db.models import QuerySet
from django.test import Client

from imhcpd.audit import transition
from imhcpd.models import User
from portfolios.models import EvidenceRevision
from portfolios.services import EvidenceInput, LinkInput, evidence_update, portfolio_update
from portfolios.supervision import services as sv
from portfolios.supervision.models import Notification
from tests.factories import make_evidence, make_supervision

pytestmark = pytest.mark.django_db
Status = EvidenceRevision.Status


@pytest.fixture
def submitted(practitioner: User, supervisor: User) -> EvidenceRevision:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, title="Submitted title")
    return sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)


# --- The level is fixed on the revision at submission -----------------------------------------


def test_raising_the_target_level_after_submission_does_not_change_the_sign_off(  # type: ignore[no-untyped-def]
    submitted: EvidenceRevision, practitioner: User, supervisor: User, client: Client
) -> None:
    assert submitted.submitted_level == 2
    portfolio_update(portfolio=practitioner.portfolio, by=practitioner, data={"target_level": 3})

    client.force_login(supervisor)
    queue = client.get("/supervision/").content.decode()
    assert re.search(r'data-testid="queue-level"><strong class="tag[^"]*">Level 2</strong>', queue)
    assert "at the level shown for each item" in queue
    page = client.get(f"/supervision/reviews/{submitted.pk}/").content.decode()
    assert "Sign-off asked at <strong>Level 2</strong>" in page
    assert re.search(r'data-testid="review-level"><strong class="tag[^"]*">Level 2</strong>', page)
    assert "competencies at Level 2." in page
    assert "Level 3" not in page

    result = sv.review_sign_off(revision=submitted, by=supervisor, declared=True)
    submitted.refresh_from_db()
    assert submitted.signed_off_level == 2
    assert result.review.level == 2
    assert result.review.declaration.endswith("at Level 2.")


def test_an_ended_supervision_clears_the_level_and_resubmission_fixes_it_again(  # type: ignore[no-untyped-def]
    submitted: EvidenceRevision, practitioner: User, supervisor: User
) -> None:
    sv.supervision_end(supervision=submitted.submitted_to, by=practitioner)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.submitted_level) == (Status.DRAFT, None)
    portfolio_update(portfolio=practitioner.portfolio, by=practitioner, data={"target_level": 3})
    again = make_supervision(practitioner.portfolio, supervisor)
    revision = sv.evidence_submit(evidence=submitted.evidence, supervision=again, by=practitioner)
    assert revision.submitted_level == 3


def test_the_data_migration_fills_the_level_of_revisions_already_submitted(  # type: ignore[no-untyped-def]
    submitted: EvidenceRevision, practitioner: User, supervisor: User
) -> None:
    migration = importlib.import_module("portfolios.migrations.0005_revision_level_and_archive")
    signed = make_evidence(practitioner.portfolio, title="Signed earlier")
    signed_rev = sv.evidence_submit(
        evidence=signed, supervision=submitted.submitted_to, by=practitioner
    )
    sv.review_sign_off(revision=signed_rev, by=supervisor, declared=True)
    draft = make_evidence(practitioner.portfolio, title="Never submitted").current
    # As before the migration: nothing recorded; the signed one counted at Level 1 back then.
    EvidenceRevision.objects.update(submitted_level=None)
    EvidenceRevision.objects.filter(pk=signed_rev.pk).update(signed_off_level=1)
    portfolio_update(portfolio=practitioner.portfolio, by=practitioner, data={"target_level": 3})

    migration.fill_submitted_level(apps, None)

    levels = dict(EvidenceRevision.objects.values_list("pk", "submitted_level"))
    assert levels == {submitted.pk: 3, signed_rev.pk: 1, draft.pk: None}


# --- Supervisors see only what was submitted to them -------------------------------------------


def _new_draft(revision: EvidenceRevision, practitioner: User, title: str) -> EvidenceRevision:
    link = revision.links.first()
    return evidence_update(
        evidence=revision.evidence,
        data=EvidenceInput(
            title=title,
            date=revision.date,
            details=revision.details,
            links=[LinkInput(competency=link.competency, rationale="Still shows it.")],
        ),
        by=practitioner,
    )


def test_a_supervisor_never_sees_a_draft_title(  # type: ignore[no-untyped-def]
    submitted: EvidenceRevision, practitioner: User, supervisor: User, client: Client
) -> None:
    sv.review_return(revision=submitted, by=supervisor, feedback="Say more about the feed.")
    _new_draft(submitted, practitioner, "Private working title")
    client.force_login(supervisor)
    page = client.get(f"/supervision/evidence/{submitted.evidence_id}/").content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert "Submitted title" in title
    assert "Private working title" not in page

    Notification.objects.all().delete()
    sv.comment_add(evidence=submitted.evidence, by=practitioner, body="I am rewriting it.")
    told = Notification.objects.get(user=supervisor)
    assert "Submitted title" in told.text
    assert "Private working title" not in told.text


# --- transition() locks before it reads ---------------------------------------------------------


def test_transition_reads_the_from_status_under_a_lock(  # type: ignore[no-untyped-def]
    practitioner: User, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    locked: list[str] = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        locked.append(self.model.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    assert transition(supervision, ("active",), "ended", by=practitioner)
    assert locked == ["Supervision"], "the from-status was read without select_for_update"
    assert supervision.events.last().from_status == "active"
