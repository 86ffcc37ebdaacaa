"""A tampered, malformed or hostile portable portfolio is refused whole: 400, every problem
listed in the error summary, and not one row or stored file written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.models import (
    Attachment,
    DevelopmentGoal,
    Evidence,
    EvidenceEvent,
    EvidenceLink,
    EvidenceRevision,
    ImportedSignOff,
    Portfolio,
    PortfolioImport,
    ProfileChange,
    SelfAssessment,
)
from portfolios.portable import archive as portable_archive
from tests.factories import UserFactory, make_evidence
from tests.portfolios.test_portable_roundtrip import build_portfolio

pytestmark = pytest.mark.django_db

MODELS = (
    Portfolio,
    ProfileChange,
    SelfAssessment,
    Evidence,
    EvidenceRevision,
    EvidenceLink,
    EvidenceEvent,
    Attachment,
    ImportedSignOff,
    DevelopmentGoal,
    PortfolioImport,
)


def counts() -> dict[str, int]:
    stored = sum(len(files) for _, _, files in os.walk(settings.MEDIA_ROOT))
    return {m.__name__: m.objects.count() for m in MODELS} | {"files": stored}


@pytest.fixture
def exported(client, practitioner, supervisor) -> bytes:  # type: ignore[no-untyped-def]
    build_portfolio(practitioner, supervisor)
    client.force_login(practitioner)
    return b"".join(client.get("/portfolio/my-data/download.zip").streaming_content)


@pytest.fixture
def newcomer(client):  # type: ignore[no-untyped-def]
    user = UserFactory(email="newcomer@example.org", full_name="Nel Newcomer")
    client.force_login(user)
    return user


def rezip(
    source: bytes,
    change: Callable[[dict[str, Any]], None] | None = None,
    *,
    drop: tuple[str, ...] = (),
    add: tuple[tuple[zipfile.ZipInfo | str, bytes], ...] = (),
    raw_json: bytes | None = None,
) -> bytes:
    """The export again, with portfolio.json changed, members dropped or added."""
    old = zipfile.ZipFile(io.BytesIO(source))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            data = old.read(info)
            if info.filename == "portfolio.json":
                if raw_json is not None:
                    data = raw_json
                elif change is not None:
                    document = json.loads(data)
                    change(document)
                    data = json.dumps(document).encode()
            new.writestr(info.filename, data)
        for name, data in add:
            new.writestr(name, data)
    return out.getvalue()


def post(client, data: bytes, name: str = "moved.zip"):  # type: ignore[no-untyped-def]
    return client.post("/portfolio/import/", {"file": SimpleUploadedFile(name, data)})


def first_attachment(document: dict[str, Any]) -> dict[str, Any]:
    return document["evidence"][0]["revisions"][0]["attachments"][0]


def _sha(document: dict[str, Any]) -> None:
    first_attachment(document)["sha256"] = "0" * 64


def _competency(document: dict[str, Any]) -> None:
    document["evidence"][1]["revisions"][0]["links"][0]["competency"] = (
        "00000000-0000-5000-8000-000000000000"
    )
    document["self_assessments"][0]["competency"] = "11111111-1111-5111-8111-111111111111"


def _version(document: dict[str, Any]) -> None:
    document["version"] = 2


def _schema(document: dict[str, Any]) -> None:
    document["evidence"][0]["kind"] = "poem"
    document["profile"]["target_level"] = 7


def _framework(document: dict[str, Any]) -> None:
    document["framework"] = {
        "name": "Another framework",
        "version": "9",
        "case_document_id": "22222222-2222-5222-8222-222222222222",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_sha, ["does not match its SHA-256"]),
        (
            _competency,
            [
                "Evidence item 2 (“Video interaction guidance course”), revision 1, linked "
                "competency 1: competency 00000000-0000-5000-8000-000000000000 is not in",
                "Self-assessment 1: competency 11111111-1111-5111-8111-111111111111 is not in",
            ],
        ),
        (_version, ["version 2 of the portfolio format; this site reads version 1"]),
        (_schema, ["portfolio.json, at evidence[0].kind:", "at profile.target_level:"]),
        (_framework, ["is not loaded on this site"]),
    ],
    ids=["sha256", "competency", "version", "schema", "framework"],
)
def test_a_tampered_portfolio_json_is_refused(client, exported, newcomer, change, expected) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    response = post(client, rezip(exported, change))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    for text in expected:
        assert text in page
    assert counts() == before


def test_a_missing_attachment_is_refused(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    name = first_attachment(
        json.loads(zipfile.ZipFile(io.BytesIO(exported)).read("portfolio.json"))
    )["file"]
    before = counts()
    response = post(client, rezip(exported, drop=(name,)))
    assert response.status_code == 400
    assert "is missing from the ZIP" in response.content.decode()
    assert counts() == before


def test_a_bare_json_that_names_attachments_asks_for_the_zip(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    document = zipfile.ZipFile(io.BytesIO(exported)).read("portfolio.json")
    before = counts()
    response = post(client, document, "portfolio.json")
    assert response.status_code == 400
    assert "upload the whole ZIP" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"format": "imhcpd-portfolio", "version": 1,', "is not valid JSON (line 1"),
        (b"\xff\xfe not text", "is not UTF-8 text"),
        (b"[1, 2, 3]", "is not an IMH CPD portfolio file"),
    ],
    ids=["truncated", "not-utf8", "not-ours"],
)
def test_malformed_json_is_refused(client, exported, newcomer, raw, expected) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    for data, name in ((rezip(exported, raw_json=raw), "moved.zip"), (raw, "portfolio.json")):
        response = post(client, data, name)
        assert response.status_code == 400
        assert expected in response.content.decode()
    assert counts() == before


def mark_encrypted(data: bytes, name: bytes) -> bytes:
    """Set the "encrypted" flag on a member's central directory entry (zipfile writes none,
    whatever the ZipInfo says), which is what a reader goes by."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.mark.parametrize(
    ("add", "expected"),
    [
        ((("../../etc/cron.d/evil", b"x"),), "points outside the archive (path traversal)"),
        ((("/etc/passwd", b"x"),), "has an absolute path"),
        ((("C:/Windows/evil.txt", b"x"),), "has an absolute path"),
        ((("nested/inner.zip", b"PK\x05\x06" + b"\0" * 18),), "is itself an archive"),
        ((("bomb.bin", b"\0" * (20 * 1024 * 1024)),), "(a “zip bomb”)"),
    ],
    ids=["traversal", "absolute", "drive", "nested", "bomb"],
)
def test_a_hostile_zip_is_refused(client, exported, newcomer, add, expected) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    response = post(client, rezip(exported, add=add))
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert counts() == before


def test_an_encrypted_member_is_refused(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    data = mark_encrypted(rezip(exported, add=(("secret.txt", b"x"),)), b"secret.txt")
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("secret.txt").flag_bits & 0x1
    before = counts()
    response = post(client, data)
    assert response.status_code == 400
    assert "is encrypted" in response.content.decode()
    assert counts() == before


def test_a_zip_that_unpacks_too_large_is_refused(client, exported, newcomer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The real limit is 500 MB; the check is the same whatever the number.
    monkeypatch.setattr(portable_archive, "MAX_UNCOMPRESSED_BYTES", 10_000)
    before = counts()
    response = post(client, exported)
    assert response.status_code == 400
    assert "unpacks to more than 500 MB" in response.content.decode()
    assert counts() == before


def test_too_many_members_is_refused(client, exported, newcomer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(portable_archive, "MAX_MEMBERS", 3)
    response = post(client, exported)
    assert response.status_code == 400
    assert "more than 3 files" in response.content.decode()


def test_every_problem_is_listed_at_once(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    def many(document: dict[str, Any]) -> None:
        _sha(document)
        _competency(document)

    response = post(client, rezip(exported, many, add=(("../x", b"x"),)))
    # The archive is refused before its contents are read: the traversal alone is listed.
    assert "path traversal" in response.content.decode()
    response = post(client, rezip(exported, many))
    page = response.content.decode()
    assert "SHA-256" in page and "00000000-0000-5000-8000-000000000000" in page
    assert "3 problems listed above" in page


def test_a_non_empty_portfolio_cannot_import(client, exported, practitioner) -> None:  # type: ignore[no-untyped-def]
    other = UserFactory(email="busy@example.org")
    from tests.factories import make_portfolio

    make_portfolio(other, practitioner.portfolio.framework)
    make_evidence(other.portfolio, title="Already here")
    client.force_login(other)
    page = client.get("/portfolio/import/").content.decode()
    assert 'data-testid="import-not-empty"' in page
    before = counts()
    response = post(client, exported)
    assert response.status_code == 400
    assert "nothing can be imported into it" in response.content.decode()
    assert counts() == before


def test_an_empty_portfolio_keeps_its_profile_and_takes_the_file(client, exported) -> None:  # type: ignore[no-untyped-def]
    from competencies.models import Framework
    from tests.factories import make_portfolio

    user = UserFactory(email="fresh@example.org")
    make_portfolio(user, Framework.objects.get(), target_level=3)
    client.force_login(user)
    assert post(client, exported).status_code == 302
    user.portfolio.refresh_from_db()
    assert user.portfolio.target_level == 3
    assert user.portfolio.evidence.count() == 2


def test_signed_out_is_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    for url in (
        "/portfolio/import/",
        "/portfolio/import/done/",
        "/portfolio/my-data/portfolio.zip",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post("/portfolio/import/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_identifying_text_never_confirmed_is_refused(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    def identifying(document: dict[str, Any]) -> None:
        revision = document["evidence"][1]["revisions"][0]
        revision["title"] = "Course with NHS number 943 476 5919"
        revision["confidentiality_confirmed_at"] = None

    before = counts()
    response = post(client, rezip(exported, identifying))
    assert response.status_code == 400
    assert "has text that may identify someone" in response.content.decode()
    assert counts() == before


def test_an_attachment_that_is_not_what_it_claims_is_refused(client, exported, newcomer) -> None:  # type: ignore[no-untyped-def]
    # A web page put in the certificate's place, its hash and size updated to match: the
    # content is judged as an upload's is, by its bytes.
    page = b"<html><script>alert(1)</script></html>"
    source = zipfile.ZipFile(io.BytesIO(exported))
    document = json.loads(source.read("portfolio.json"))
    certificate = document["evidence"][1]["revisions"][0]["attachments"][0]
    certificate["sha256"] = hashlib.sha256(page).hexdigest()
    certificate["size"] = len(page)

    def swap(doc: dict[str, Any]) -> None:
        doc.update(document)

    data = rezip(exported, swap, drop=(certificate["file"],), add=((certificate["file"], page),))
    before = counts()
    response = post(client, data)
    assert response.status_code == 400
    assert "is named like a PDF but its content is not a PDF" in response.content.decode()
    assert counts() == before


def test_a_failure_while_writing_leaves_no_row_and_no_file(
    client, exported, newcomer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from portfolios.portable import importer

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the disk filled up")

    # The plan is written last, after every attachment file has been stored.
    monkeypatch.setattr(importer, "_goals", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        post(client, exported)
    assert counts() == before
