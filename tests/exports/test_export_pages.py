"""Issue 12: the export pages as a practitioner reads them — status in words as well as
colour, no checksums in the owner's face, tables that stack on a phone, plain-text titles,
and an error summary when the request form fails."""

from __future__ import annotations

import re

import pytest

from portfolios.exports.models import PortfolioExport
from tests.factories import make_export

pytestmark = pytest.mark.django_db

EXPORTS_URL = "/portfolio/exports/"


def title_of(body: str) -> str:
    (title,) = re.findall(r"<title>(.*?)</title>", body, flags=re.S)
    return title.strip()


@pytest.fixture
def signed_in(client, practitioner):  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    return client


def test_the_list_shows_each_pdf_with_its_status_in_words(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    ready = make_export(practitioner)
    queued = make_export(practitioner, level=1, done=False)
    failed = make_export(practitioner, level=3, done=False)
    PortfolioExport.objects.filter(pk=failed.pk).update(status=PortfolioExport.Status.FAILED)

    body = signed_in.get(EXPORTS_URL).content.decode()
    assert title_of(body) == "PDF exports — IMH CPD"
    # One stacked table (a card per row on a phone), one row per PDF, each with a tag.
    assert re.search(r'<table class="[^"]*\btable-stack\b', body)
    assert body.count('data-testid="export"') == 3
    for export, words, tone in (
        (ready, "Ready", "green"),
        (queued, "Queued", "grey"),
        (failed, "Failed", "red"),
    ):
        row = body[body.index(f"/portfolio/exports/{export.pk}/") :]
        row = row[: row.index("</tr>")]
        assert f'tag--{tone}">{words}</strong>' in row
    assert ready.file_sha256 not in body
    assert "SHA-256" not in body


def test_the_detail_page_has_a_plain_title_and_no_checksum(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    export = make_export(practitioner)
    body = signed_in.get(f"/portfolio/exports/{export.pk}/").content.decode()
    assert title_of(body) == "IMH portfolio — IMH CPD"
    assert export.code in body  # the verification code is what people quote
    assert export.file_sha256 not in body
    assert "SHA-256" not in body
    assert 'tag--green">Ready</strong>' in body


def test_a_failed_request_form_gets_an_error_summary_linked_to_the_field(signed_in) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.post(
        EXPORTS_URL,
        {
            "kind": "portfolio",
            "level": "2",
            "period_start_0": "31",
            "period_start_1": "2",
            "period_start_2": "2025",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    summary = body[body.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "There is a problem" in summary
    assert 'href="#id_period_start_0"' in summary
    assert "Enter a valid date." in summary
    assert PortfolioExport.objects.count() == 0


def test_the_verify_page_keeps_the_checksum_and_says_unchanged(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    export = make_export(practitioner)
    body = client.get(f"/verify/{export.code}/").content.decode()
    assert title_of(body) == f"Verification {export.code} — IMH CPD"
    assert export.file_sha256 in body
    assert 'tag--green">Unchanged</strong>' in body
