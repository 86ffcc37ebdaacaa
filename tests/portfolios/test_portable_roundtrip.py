"""The portable portfolio moves: export → import into a fresh account → export again.

What is compared: the whole of portfolio.json (profile, framework, source, every
self-assessment row with its original time, every evidence item with its times, each
revision's content, links, attachments' names, types, sizes and SHA-256, the sign-off
records, the plan) except `exported_at`, the attachments' member names in the ZIP (they
carry this site's row ids; each is checked to hold the bytes its SHA-256 names) and each
revision's `status`, which an import always makes "draft".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from competencies.models import Competency
from portfolios.models import Evidence, EvidenceRevision, ImportedSignOff, PortfolioImport
from portfolios.selectors import signed_off_competency_ids
from portfolios.services import (
    EvidenceInput,
    LinkInput,
    RatingInput,
    attachment_add,
    evidence_create,
    evidence_update,
    goal_save,
    self_assessment_record,
)
from portfolios.supervision.services import evidence_submit, review_sign_off
from tests.factories import (
    REFLECTION,
    UserFactory,
    make_evidence,
    make_supervision,
    pdf_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def build_portfolio(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    """A portfolio with everything the format carries: rating history, a signed-off item
    edited since (two revisions), an item with hours and a PDF, a plan goal."""
    portfolio = practitioner.portfolio

    def comp(code: str) -> Competency:
        return Competency.objects.get(framework_id=portfolio.framework_id, code=code)

    with time_machine.travel(dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)):
        self_assessment_record(
            portfolio=portfolio,
            ratings=[
                RatingInput(comp("1.01"), "working_towards", 2, "Starting out"),
                RatingInput(comp("2.03"), "working_towards", 3, ""),
            ],
        )
    with time_machine.travel(dt.datetime(2026, 2, 11, 15, 30, tzinfo=dt.UTC)):
        self_assessment_record(
            portfolio=portfolio, ratings=[RatingInput(comp("1.01"), "achieved", 4, "Done")]
        )
    item = make_evidence(portfolio, codes=("1.01", "1.02"), title="Home visit reflection")
    photo = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    attachment_add(evidence=item, upload=photo, by=practitioner)
    supervision = make_supervision(portfolio, supervisor)
    revision = evidence_submit(evidence=item, supervision=supervision, by=practitioner)
    review_sign_off(revision=revision, by=supervisor, declared=True)
    evidence_update(
        evidence=item,
        data=EvidenceInput(
            title="Home visit reflection, revised",
            date=dt.date(2026, 1, 16),
            details=dict(REFLECTION),
            links=[LinkInput(comp("1.01"), "Still shows attunement.")],
        ),
        by=practitioner,
    )
    course = make_evidence(
        portfolio,
        kind="cpd_activity",
        codes=("2.03",),
        title="Video interaction guidance course",
        hours=Decimal("6.50"),
        is_participatory=True,
        details={"provider": "Local authority"},
    )
    certificate = SimpleUploadedFile("certificate.pdf", pdf_bytes(), content_type="application/pdf")
    attachment_add(evidence=course, upload=certificate, by=practitioner)
    goal_save(
        portfolio=portfolio,
        by=practitioner,
        title="Learn VIG",
        competencies=[comp("2.03")],
        actions="Finish the course",
        target_date=dt.date(2026, 6, 1),
    )


def download(client, url: str) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def portable(archive: zipfile.ZipFile) -> dict[str, Any]:
    return json.loads(archive.read("portfolio.json"))


def comparable(document: dict[str, Any], archive: zipfile.ZipFile) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document.pop("exported_at")
    for item in document["evidence"]:
        for revision in item["revisions"]:
            revision.pop("status")
            for attachment in revision["attachments"]:
                name = attachment.pop("file")
                assert hashlib.sha256(archive.read(name)).hexdigest() == attachment["sha256"]
    return document


@pytest.fixture
def exported(client, practitioner, supervisor) -> bytes:  # type: ignore[no-untyped-def]
    build_portfolio(practitioner, supervisor)
    client.force_login(practitioner)
    response = client.get("/portfolio/my-data/download.zip")
    return b"".join(response.streaming_content)


def test_export_import_export_gives_the_same_portfolio(client, exported) -> None:  # type: ignore[no-untyped-def]
    first_zip = zipfile.ZipFile(io.BytesIO(exported))
    assert {"data.json", "portfolio.json"} <= set(first_zip.namelist())
    first = portable(first_zip)
    assert [len(item["revisions"]) for item in first["evidence"]] == [2, 1]
    assert first["evidence"][0]["revisions"][0]["status"] == "signed_off"
    assert first["evidence"][0]["sign_offs"][0]["signed_by"] == "Sam Supervisor"
    assert len(first["self_assessments"]) == 3

    newcomer = UserFactory(email="newcomer@example.org", full_name="Nel Newcomer")
    client.force_login(newcomer)
    upload = SimpleUploadedFile("moved.zip", exported, content_type="application/zip")
    response = client.post("/portfolio/import/", {"file": upload})
    assert response.status_code == 302
    assert response["Location"] == "/portfolio/import/done/"

    second_zip = download(client, "/portfolio/my-data/portfolio.zip")
    second = portable(second_zip)
    statuses = {r["status"] for item in second["evidence"] for r in item["revisions"]}
    assert statuses == {"draft"}
    assert comparable(second, second_zip) == comparable(first, first_zip)


def test_imported_items_are_drafts_and_sign_offs_only_a_record(client, exported) -> None:  # type: ignore[no-untyped-def]
    newcomer = UserFactory(email="newcomer@example.org", full_name="Nel Newcomer")
    client.force_login(newcomer)
    upload = SimpleUploadedFile("moved.zip", exported, content_type="application/zip")
    client.post("/portfolio/import/", {"file": upload})
    portfolio = newcomer.portfolio
    assert set(
        EvidenceRevision.objects.filter(evidence__portfolio=portfolio).values_list(
            "status", flat=True
        )
    ) == {"draft"}
    assert signed_off_competency_ids(portfolio, 1) == set()
    record = ImportedSignOff.objects.get(evidence__portfolio=portfolio)
    assert (record.signed_by, record.revision_number, record.level) == ("Sam Supervisor", 1, 2)
    audit = PortfolioImport.objects.get(portfolio=portfolio)
    assert audit.counts["evidence"] == 2 and audit.counts["attachments"] == 3
    assert audit.by == newcomer

    done = client.get("/portfolio/import/done/")
    assert done.status_code == 200
    assert "Portfolio imported" in done.content.decode()

    item = Evidence.objects.filter(portfolio=portfolio).order_by("created_at").first()
    page = client.get(f"/portfolio/evidence/{item.pk}/").content.decode()
    assert "by Sam Supervisor on" in page
    assert "a record only" in page


def test_a_bare_portfolio_json_without_attachments_imports(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    portfolio = practitioner.portfolio
    make_evidence(portfolio, title="A note without files")
    client.force_login(practitioner)
    document = portable(download(client, "/portfolio/my-data/portfolio.zip"))
    newcomer = UserFactory(email="newcomer@example.org")
    client.force_login(newcomer)
    upload = SimpleUploadedFile("portfolio.json", json.dumps(document).encode())
    assert client.post("/portfolio/import/", {"file": upload}).status_code == 302
    assert newcomer.portfolio.evidence.get().current.title == "A note without files"


def test_a_reflection_on_the_nmc_form_with_several_themes_moves(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    details = {
        "template": "nmc",
        "what_happened": "A course on infant cues.",
        "so_what": "I learned to wait for the baby's cues.",
        "now_what": "I pause more during feeds.",
        "code_themes": ["prioritise_people", "preserve_safety"],
        "code_relevance": "It keeps the baby at the centre.",
    }
    data = EvidenceInput(title="NMC reflection", date=dt.date(2026, 3, 2), details=details)
    evidence_create(
        portfolio=practitioner.portfolio, kind="reflective_account", data=data, by=practitioner
    )
    client.force_login(practitioner)
    first_zip = download(client, "/portfolio/my-data/portfolio.zip")
    newcomer = UserFactory(email="newcomer@example.org")
    client.force_login(newcomer)
    upload = SimpleUploadedFile("moved.zip", _zip_bytes(first_zip))
    assert client.post("/portfolio/import/", {"file": upload}).status_code == 302
    second_zip = download(client, "/portfolio/my-data/portfolio.zip")
    second = comparable(portable(second_zip), second_zip)
    assert second == comparable(portable(first_zip), first_zip)
    assert second["evidence"][0]["revisions"][0]["details"]["code_themes"] == [
        "prioritise_people",
        "preserve_safety",
    ]


def _zip_bytes(archive: zipfile.ZipFile) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():
            copy.writestr(info.filename, archive.read(info))
    return out.getvalue()


def test_closing_the_account_removes_what_an_import_brought(  # type: ignore[no-untyped-def]
    client, exported, django_capture_on_commit_callbacks
) -> None:
    from django.core.files.storage import default_storage

    from imhcpd.erasure import account_erase

    newcomer = UserFactory(email="newcomer@example.org")
    client.force_login(newcomer)
    upload = SimpleUploadedFile("moved.zip", exported, content_type="application/zip")
    client.post("/portfolio/import/", {"file": upload})
    stored = {a.file.name for a in newcomer.portfolio.evidence.first().current.attachments.all()}
    assert stored and all(default_storage.exists(name) for name in stored)
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=newcomer, by=newcomer)
    assert not PortfolioImport.objects.exists()
    assert ImportedSignOff.objects.count() == 0
    assert not any(default_storage.exists(name) for name in stored)
