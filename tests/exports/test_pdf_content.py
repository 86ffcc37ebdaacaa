"""Issue 12, item 10: what the portfolio PDF and the revalidation pack say, read back with
pypdf from a real WeasyPrint render — a cover summary, one table of gaps, returned items left
out, pictures kept with their item, the checksums in an appendix, a confirmer's block.

Two renders (a portfolio and a revalidation pack of one portfolio) are shared by the module,
made inside a transaction that is rolled back before any test runs."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from competencies.models import Competency
from competencies.services import framework_import
from portfolios.exports import services as exports
from portfolios.exports import worker
from portfolios.exports.models import PortfolioExport, private_storage
from portfolios.exports.revalidation.documents import nmc_pack_request
from portfolios.exports.snapshot import ExportOptions, build_snapshot
from portfolios.services import EvidenceInput, LinkInput, attachment_add, evidence_update
from portfolios.supervision.services import evidence_submit, review_return, review_sign_off
from tests.conftest import shipped_framework_data
from tests.exports.test_exports import drawn_images, squash
from tests.factories import UserFactory, make_evidence, make_portfolio, make_supervision, png_bytes

pytestmark = pytest.mark.django_db

RETURNED_TITLE = "Rushed note after a home visit"
SIGNED_THEN_RETURNED = "Sleep workshop reflection"


@dataclass
class Pdf:
    pages: list[str]
    outline: list[str]
    image_pages: list[int]

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    def pages_with(self, needle: str) -> list[int]:
        return [i for i, page in enumerate(self.pages) if needle in page]


@dataclass
class Rendered:
    portfolio: Pdf
    revalidation: Pdf
    snapshot: dict[str, Any]
    attachment_name: str
    attachment_sha256: str
    supervisor: str


def _titles(outline: list[Any]) -> list[str]:
    out: list[str] = []
    for entry in outline:
        out += _titles(entry) if isinstance(entry, list) else [entry.title]
    return out


def _read(export: PortfolioExport) -> Pdf:
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.DONE, export.error
    with private_storage().open(export.file.name, "rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    pdf = Pdf(
        pages=[squash(page.extract_text()) for page in reader.pages],
        outline=_titles(reader.outline),
        image_pages=[
            i
            for i, page in enumerate(reader.pages)
            if drawn_images(page.get_contents(), page["/Resources"], reader)
        ],
    )
    private_storage().delete(export.file.name)
    return pdf


def _link(portfolio, code: str) -> LinkInput:  # type: ignore[no-untyped-def]
    competency = Competency.objects.get(framework_id=portfolio.framework_id, code=code)
    return LinkInput(competency=competency, rationale=f"It shows {code} again.")


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> Rendered:  # type: ignore[no-untyped-def]
    media = tmp_path_factory.mktemp("pdfcontent")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        framework = framework_import(data=shipped_framework_data(), activate=True)
        user = UserFactory(email="content@example.org", full_name="Casey Content")
        signer = UserFactory(email="signer2@example.org", full_name="Sol Signer")
        portfolio = make_portfolio(user, framework, registration_number="00X0000X")
        supervision = make_supervision(portfolio, signer)

        def submit(evidence):  # type: ignore[no-untyped-def]
            return evidence_submit(evidence=evidence, supervision=supervision, by=user)

        # Signed off, with a picture: kept together, listed by name, checksum in the appendix.
        poster = make_evidence(
            portfolio, kind="other", title="Poster I made", codes=["1.01", "1.02"],
            details={"description": "A poster for the clinic waiting room."},
        )  # fmt: skip
        upload = SimpleUploadedFile("poster.png", png_bytes(), content_type="image/png")
        attachment = attachment_add(evidence=poster, upload=upload, by=user)
        review_sign_off(revision=submit(poster), by=signer, declared=True)
        # Returned and never signed off: left out everywhere.
        returned = make_evidence(portfolio, title=RETURNED_TITLE, codes=["3.01"])
        review_return(revision=submit(returned), by=signer, feedback="Say what you noticed.")
        # Signed off, then edited and returned: the signed revision stands in.
        sleep = make_evidence(portfolio, title=SIGNED_THEN_RETURNED, codes=["4.01"])
        review_sign_off(revision=submit(sleep), by=signer, declared=True)
        evidence_update(
            evidence=sleep,
            data=EvidenceInput(
                title="Sleep workshop, second thoughts",
                date=dt.date(2026, 2, 1),
                details=sleep.current.details,
                links=[_link(portfolio, "4.01")],
            ),
            by=user,
        )
        sleep.refresh_from_db()
        review_return(revision=submit(sleep), by=signer, feedback="Too short.")
        for title, hours, participatory in (("Attachment day", "1.5", True), ("Module", "2.25", 0)):
            make_evidence(
                portfolio, kind="cpd_activity", title=title, codes=["2.01"],
                hours=Decimal(hours), is_participatory=bool(participatory),
                details={"provider": "Example Training Collective"},
            )  # fmt: skip

        options = ExportOptions(kind="portfolio", level=2)
        snapshot = build_snapshot(portfolio, options)
        export, _ = exports.export_request(user=user, options=options)
        # The NMC pack, for a revalidation whose three years cover every item above.
        portfolio.revalidation_date = timezone.localdate() + dt.timedelta(days=400)
        portfolio.save(update_fields=["revalidation_date"])
        pack, _ = nmc_pack_request(user=user, portfolio=portfolio)
        result = Rendered(
            portfolio=_read(export),
            revalidation=_read(pack),
            snapshot=snapshot,
            attachment_name=attachment.filename,
            attachment_sha256=attachment.sha256,
            supervisor=signer.full_name,
        )
        default_storage.delete(attachment.file.name)
        transaction.set_rollback(True)
    return result


# --- The cover ---------------------------------------------------------------------------


def test_the_cover_sums_up_sign_offs_hours_and_the_period(rendered: Rendered) -> None:
    cover = rendered.portfolio.pages[0]
    # 1.01, 1.02 (poster) and 4.01 (the signed revision of the sleep reflection).
    assert "3 of 63 competencies signed off at Level 2" in cover
    assert "3.75 h CPD (1.5 h participatory)" in cover
    assert "Period covered" in cover
    assert "All evidence to" in cover
    assert "(items dated 15 January 2026)" in cover
    assert "1 item was returned for changes by a supervisor and is not included." in cover


# --- Gaps ---------------------------------------------------------------------------------


def test_gaps_are_one_table_not_a_line_per_competency(rendered: Rendered) -> None:
    pdf = rendered.portfolio
    assert "No linked evidence yet" not in pdf.text
    assert pdf.outline.count("Gaps at Level 2") == 1
    gaps = [i for i in pdf.pages_with("Still needed")]
    assert gaps, "no gap table"
    table = " ".join(pdf.pages[i] for i in gaps)
    assert "3 of 63 competencies are signed off at Level 2 or above." in table
    # Every competency not signed off appears in the table exactly once; signed ones not at all.
    codes = re.findall(r"(?<![\d.])(\d\.\d\d) ", table)
    assert "1.01" not in codes and "4.01" not in codes
    assert len(codes) == len(set(codes)) == 60
    assert "Link it from an evidence item and ask for a sign-off" not in table  # none achieved
    assert "Rate yourself, then link evidence and ask for a sign-off" in table
    # Evidenced but not signed off: the CPD items link 2.01 without a self-assessment,
    # which still counts as not started; it is listed like the rest.
    assert "2.01" in codes


def test_a_competency_with_nothing_recorded_gets_no_page_of_its_own(rendered: Rendered) -> None:
    pdf = rendered.portfolio
    assert "1.01 Working collaboratively with the whole family" in pdf.outline
    # 1.03 has neither a rating nor a link: no bookmark, one mention pointing to the gaps.
    assert not [t for t in pdf.outline if t.startswith("1.03 ")]
    assert "Nothing recorded yet for 1.03," in pdf.text


# --- Returned items -----------------------------------------------------------------------


def test_returned_items_are_left_out_of_every_kind(rendered: Rendered) -> None:
    for pdf in (rendered.portfolio, rendered.revalidation):
        assert RETURNED_TITLE not in pdf.text
        assert "Sleep workshop, second thoughts" not in pdf.text
        assert "Returned for changes by" not in pdf.text
    titles = [item["title"] for item in rendered.snapshot["evidence"]]
    assert RETURNED_TITLE not in titles  # the register's snapshot is built by the same code
    assert rendered.snapshot["summary"]["returned_left_out"] == 1


def test_a_signed_revision_stands_in_for_a_later_returned_one(rendered: Rendered) -> None:
    pdf = rendered.portfolio
    (page,) = [p for p in pdf.pages if f"· {SIGNED_THEN_RETURNED}" in p]
    assert "A later revision of this item was returned for changes and is not included" in page
    assert f"Signed off by {rendered.supervisor}" in page
    (item,) = [i for i in rendered.snapshot["evidence"] if i["title"] == SIGNED_THEN_RETURNED]
    assert (item["revision"], item["status"], item["later_returned"]) == (1, "signed_off", True)


# --- Pictures and checksums ------------------------------------------------------------------


def test_a_picture_is_drawn_on_its_items_page_and_hashed_only_in_the_appendix(
    rendered: Rendered,
) -> None:
    pdf = rendered.portfolio
    (item_page,) = [i for i, p in enumerate(pdf.pages) if "· Poster I made" in p]
    assert pdf.image_pages == [item_page]
    assert f"{rendered.attachment_name} (" in pdf.pages[item_page]
    (hashed,) = pdf.pages_with(rendered.attachment_sha256)
    assert "Appendix: attachment checksums" in pdf.pages[hashed]
    assert hashed != item_page
    assert "Appendix: attachment checksums" in pdf.outline
    assert "SHA-256" not in pdf.pages[item_page]


# --- The confirmer --------------------------------------------------------------------------


def test_the_nmc_pack_ends_with_the_confirmation_form_left_for_the_confirmer(
    rendered: Rendered,
) -> None:
    pdf = rendered.revalidation
    assert "Confirmation form" in pdf.outline
    (page,) = [p for p in pdf.pages if "Confirmer's name" in p]
    for label in (
        "NMC PIN or other professional registration",
        "Email address",
        "Professional address",
        "Postcode",
        "Date of the confirmation discussion",
        "Signature",
    ):
        assert label in page
    assert "Not yet confirmed: the boxes below are for the confirmer." in page
    assert "they have met Casey Content (NMC PIN 00X0000X)" in page
    # The portfolio is not a revalidation pack: no confirmer there.
    assert "Confirmer's name" not in rendered.portfolio.text


# --- Snapshots made before this version ---------------------------------------------------


META = {
    "code": "TEST-CODE-TEST",
    "verify_url": "http://testserver/verify/TEST-CODE-TEST/",
    "qr": "",
    "issued_at": "2026-12-01T10:00:00+00:00",
    "kind_label": "IMH portfolio",
    "title": "IMH portfolio",
}


def test_the_gap_figures_come_from_the_domains_even_in_an_older_snapshot(practitioner) -> None:  # type: ignore[no-untyped-def]
    from portfolios.exports.pdf import render_html

    snapshot = build_snapshot(practitioner.portfolio, ExportOptions(kind="portfolio", level=2))
    del snapshot["summary"]  # version 1 had none: a queued one may be rendered after deploy
    html = " ".join(render_html(snapshot, META).split())
    assert "0 of 63 competencies are signed off at Level 2 or above." in html
    assert "No gaps" not in html
    for domain in snapshot["domains"]:
        domain["counts"]["signed_off"] = len(domain["competencies"])
        for competency in domain["competencies"]:
            competency["status"] = "signed_off"
    html = " ".join(render_html(snapshot, META).split())
    assert "No gaps: all 63 competencies are signed off at Level 2 or above." in html
    assert "Still needed" not in html


def test_a_revalidation_pack_queued_before_issue_13_still_renders(practitioner) -> None:  # type: ignore[no-untyped-def]
    """The generic pack is no longer made, but one queued (or failed and retried) across the
    upgrade renders from its frozen snapshot with the layout it was made for."""
    from portfolios.exports.pdf import render_html

    snapshot = build_snapshot(practitioner.portfolio, ExportOptions(kind="portfolio", level=2))
    snapshot["kind"] = "revalidation"
    snapshot["revalidation"] = {
        "targets": {"practice_hours": "450", "cpd_hours": "35", "cpd_participatory": "20",
                    "reflective_accounts": "5", "feedback": "5"},
        "met": dict.fromkeys(
            ["practice_hours", "cpd_hours", "cpd_participatory", "reflective_accounts",
             "feedback", "discussion"], False),
        "practice": [{"start": "2026-01-01", "end": "2026-03-31", "hours": "300.00",
                      "role": "Health visitor", "scope": ""}],
        "practice_total": "300.00", "cpd_refs": [], "cpd_total": "0", "cpd_participatory": "0",
        "reflective_refs": [], "feedback_refs": [], "discussions": [],
        "declarations": [{"text": "I declare that I am of good health and character.",
                          "made": True}],
        "gaps": ["CPD: 0 hours recorded, 35 needed."],
    }  # fmt: skip
    html = " ".join(render_html(snapshot, {**META, "title": "Revalidation pack"}).split())
    assert "Health visitor" in html and "CPD: 0 hours recorded, 35 needed." in html
    assert "I declare that I am of good health and character." in html
