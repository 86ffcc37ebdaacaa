"""A practitioner asks for a PDF, watches the progress bar fill without reloading, and
downloads the file; then a confirmer checks it on the public verify page."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portfolios.exports import tasks, worker
from portfolios.exports.models import PortfolioExport
from tests.browser.helpers import go_to, label, sign_in
from tests.factories import PASSWORD, UserFactory, make_evidence, make_portfolio

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_watch_progress_download_and_verify(  # type: ignore[no-untyped-def]
    page: Page, live_framework, monkeypatch, tmp_path
) -> None:
    user = UserFactory(email="pdf.person@example.org", full_name="Pip Portfolio")
    portfolio = make_portfolio(user, live_framework)
    make_evidence(portfolio, title="Noticing a baby's cues", codes=("1.01", "2.05"))
    # The worker is this test: the request stays queued until the test renders it, so the
    # page has to notice the change by itself.
    queued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue", lambda pk: queued.append(pk) or True)

    sign_in(page, user.email, PASSWORD)
    go_to(page, "exports")
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF exports")
    page.get_by_label(re.compile("IMH portfolio at a level")).check()
    page.get_by_label(label("Level")).select_option("2")
    page.get_by_role("button", name="Make the PDF").click()

    progress = page.get_by_role("progressbar", name="Progress")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("export-stage")).to_contain_text("your request is saved")
    assert len(queued) == 1
    url_before = page.url

    worker.export_run(export_id=queued[0])

    expect(page.get_by_test_id("export-ready")).to_contain_text("Your PDF is ready")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    assert page.url == url_before, "the page updated in place, without navigating"

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "portfolio.pdf"
    download.save_as(path)
    body = path.read_bytes()
    export = PortfolioExport.objects.get(pk=queued[0])
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "Pip Portfolio" in text
    assert export.code in text

    # On a phone the list of PDFs is a stack of cards, each status in words: no sideways scroll.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/portfolio/exports/")
    row = page.get_by_test_id("export")
    expect(row.locator('td[data-label="Status"]')).to_have_text("Ready")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"/portfolio/exports/{export.pk}/")
    expect(page.get_by_test_id("export-ready")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})

    # A confirmer, signed out, checks the file they were given.
    page.context.clear_cookies()
    page.goto("/verify/")
    page.get_by_label(label("Verification code")).fill(export.code.lower().replace("-", " "))
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Verification {export.code}")
    expect(page.get_by_test_id("verification")).to_contain_text("Pip Portfolio")
    page.get_by_label(label("The PDF you received")).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("upload-result")).to_contain_text("matches byte for byte")
