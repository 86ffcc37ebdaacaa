"""Anything ever submitted for review is kept (issue 11, finding 13): an item handed back as a
draft when its supervision ended cannot be deleted; it can be archived, which hides it from
the list and keeps every revision, review and attachment. A draft never submitted can still
be deleted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imhcpd.models import User
from portfolios import archive, services
from portfolios.models import Attachment, Evidence, EvidenceEvent, EvidenceRevision
from portfolios.supervision import services as sv
from tests.factories import make_evidence, make_supervision, png_bytes

pytestmark = pytest.mark.django_db
Status = EvidenceRevision.Status


@pytest.fixture
def handed_back(practitioner: User, supervisor: User) -> Evidence:
    """Submitted, with an attachment, then back to draft because the supervision ended."""
    evidence = make_evidence(practitioner.portfolio, title="Waiting when it ended")
    services.attachment_add(
        evidence=evidence,
        upload=SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png"),
        by=practitioner,
    )
    supervision = make_supervision(practitioner.portfolio, supervisor)
    sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    sv.supervision_end(supervision=supervision, by=practitioner)
    evidence.refresh_from_db()
    assert evidence.current.status == Status.DRAFT
    assert evidence.revisions.count() == 1
    return evidence


def test_an_item_handed_back_after_its_supervision_ended_cannot_be_deleted(  # type: ignore[no-untyped-def]
    handed_back: Evidence, practitioner: User, client: Client
) -> None:
    with pytest.raises(services.TransitionError, match="archive it instead"):
        services.evidence_delete(evidence=handed_back, by=practitioner)
    client.force_login(practitioner)
    page = client.get(f"/portfolio/evidence/{handed_back.pk}/").content.decode()
    assert "Delete draft" not in page
    assert ">Archive</button>" in page
    client.post(f"/portfolio/evidence/{handed_back.pk}/delete/")
    assert Evidence.objects.filter(pk=handed_back.pk).exists()
    assert Attachment.objects.filter(revision__evidence=handed_back).count() == 1


def test_archiving_hides_the_item_and_keeps_everything(  # type: ignore[no-untyped-def]
    handed_back: Evidence, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.post(f"/portfolio/evidence/{handed_back.pk}/archive/")
    assert response.status_code == 302
    handed_back.refresh_from_db()
    assert handed_back.archived_at is not None
    assert handed_back.revisions.count() == 1
    assert Attachment.objects.filter(revision__evidence=handed_back).count() == 1
    assert handed_back.events.filter(action=EvidenceEvent.Action.ARCHIVED, actor=practitioner)

    assert "Waiting when it ended" not in client.get("/portfolio/evidence/").content.decode()
    archived = client.get("/portfolio/evidence/", {"archived": "1"}).content.decode()
    assert "Waiting when it ended" in archived

    client.post(f"/portfolio/evidence/{handed_back.pk}/restore/")
    handed_back.refresh_from_db()
    assert handed_back.archived_at is None
    assert "Waiting when it ended" in client.get("/portfolio/evidence/").content.decode()


def test_an_item_waiting_for_review_cannot_be_archived(  # type: ignore[no-untyped-def]
    practitioner: User, supervisor: User
) -> None:
    evidence = make_evidence(practitioner.portfolio)
    supervision = make_supervision(practitioner.portfolio, supervisor)
    sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    with pytest.raises(services.TransitionError, match="with your supervisor"):
        archive.evidence_archive(evidence=evidence, by=practitioner)


def test_a_draft_never_submitted_can_still_be_deleted(  # type: ignore[no-untyped-def]
    practitioner: User, client: Client
) -> None:
    evidence = make_evidence(practitioner.portfolio, title="Never sent")
    client.force_login(practitioner)
    page = client.get(f"/portfolio/evidence/{evidence.pk}/").content.decode()
    assert "Delete draft" in page and ">Archive</button>" not in page
    with pytest.raises(services.TransitionError, match="can be deleted instead"):
        archive.evidence_archive(evidence=evidence, by=practitioner)
    client.post(f"/portfolio/evidence/{evidence.pk}/delete/")
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
