"""Issue 13, done when: a nurse on a phone writes a reflective account in Rolfe, switches it to
the NMC form without losing a word and saves it; the revalidation tracker counts it; practice
hours recorded through the form move the tracker; a confirmer asked by email confirms from
their own browser, with no account; the tracker shows the confirmation met; and the NMC pack
the nurse downloads carries the account on the NMC form and the confirmer's name. All names
and text are invented."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from competencies.models import Framework
from portfolios.evidence_kinds import REFLECTION_TEMPLATES
from portfolios.exports.revalidation.services import settings_update
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import fill_date, label, sign_in
from tests.factories import PASSWORD, UserFactory, make_portfolio

NURSE = "Nell Nightly"
NURSE_EMAIL = "nell.nightly@example.org"
CONFIRMER = "Corin Confirmer"
CONFIRMER_EMAIL = "corin.confirmer@example.org"
TITLE = "Quiet feeds on the ward"
WHAT = "A father on the ward asked why his baby cried after every feed."
SO_WHAT = "I learned to watch the baby's cues with the parent before I explain."
NOW_WHAT = "I now sit with parents through one feed before giving advice."
NMC = {f.name: f.label for f in REFLECTION_TEMPLATES["nmc"].details}
CONFIRM_LINK = re.compile(r"https?://\S+?(/revalidation/confirm/[^/\s]+/)")
PHONE = {"width": 375, "height": 740}
# Rendering the pack can take longer than a locator's usual wait on a slow runner.
PDF_TIMEOUT_MS = 60_000


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _write_the_account(page: Page, today: dt.date) -> None:
    """Rolfe first, then the NMC form through "Change template"; the answers carry over."""
    page.goto("/portfolio/evidence/new/reflective_account/")
    expect(page.get_by_label("Rolfe: What? So what? Now what?")).to_be_checked()
    page.get_by_label(label("Title")).fill(TITLE)
    fill_date(page, "Date of the practice you reflect on", today)
    page.get_by_label(label("What happened?")).fill(WHAT)
    page.get_by_label(label("So what? What I learned")).fill(SO_WHAT)
    page.get_by_label(label("Now what? What I will do differently")).fill(NOW_WHAT)
    _fits(page)

    page.get_by_label("NMC reflective account form").check()
    page.get_by_role("button", name="Change template").click()
    expect(page.get_by_test_id("template-switched")).to_contain_text(
        "Now using NMC reflective account form"
    )
    expect(page.get_by_label(label("Title"))).to_have_value(TITLE)
    expect(page.get_by_label(label(NMC["what_happened"]))).to_have_value(WHAT)
    expect(page.get_by_label(label(NMC["so_what"]))).to_have_value(SO_WHAT)
    expect(page.get_by_label(label(NMC["now_what"]))).to_have_value(NOW_WHAT)
    _fits(page)

    page.get_by_label("Prioritise people").check()
    page.get_by_label(label(NMC["code_relevance"])).fill("I put the family's pace first.")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/portfolio/evidence/\d+/$"))
    expect(page.get_by_test_id("reflection-template")).to_have_text(
        "Written with NMC reflective account form"
    )


def _open_the_tracker(page: Page) -> None:
    page.goto("/")
    panel = page.get_by_test_id("revalidation-panel")
    expect(panel).to_be_visible()
    panel.get_by_role("link", name="Your revalidation").click()
    expect(page).to_have_url(re.compile(r"/portfolio/revalidation/$"))


def _record_hours(page: Page, today: dt.date) -> None:
    page.get_by_test_id("reval-records").get_by_role("link", name="Practice hours").click()
    expect(page).to_have_url(re.compile(r"/portfolio/revalidation/practice-hours/"))
    fill_date(page, "From", today - dt.timedelta(days=60))
    fill_date(page, "To", today - dt.timedelta(days=1))
    page.get_by_label(label("Hours")).fill("150")
    page.get_by_label(label("Employer or organisation")).fill("Northwick Community Trust")
    page.get_by_label(label("Employer's address")).fill("1 Example Road\nNorthwick\nLS1 4AP")
    page.get_by_label(label("Scope of practice")).fill("Universal health visiting caseload")
    page.get_by_label(label("Work setting")).fill("Community")
    page.get_by_label(label("Your role")).fill("Health visitor, band 6")
    page.get_by_label(label("Brief description of your work")).fill(
        "Home visits and clinics for families with babies."
    )
    page.get_by_role("button", name=re.compile("^(Record|Add|Save)")).click()
    expect(page.get_by_role("status").first).to_contain_text("Practice hours recorded.")


def _invite_the_confirmer(page: Page, mailoutbox: list[EmailMessage]) -> str:
    page.get_by_test_id("reval-records").get_by_role("link", name="Confirmation").click()
    page.get_by_label(label("Your confirmer's full name")).fill(CONFIRMER)
    page.get_by_label(label("Their email address")).fill(CONFIRMER_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"We have emailed {CONFIRMER} a link to give your confirmation."
    )
    # The mail leaves after the commit, through the outbox, before the redirect's answer.
    emails = [m for m in mailoutbox if m.to == [CONFIRMER_EMAIL]]
    assert len(emails) == 1, [m.subject for m in mailoutbox]
    match = CONFIRM_LINK.search(emails[0].body)
    assert match, f"No confirmation link in the email:\n{emails[0].body}"
    return match.group(1)


def _confirm(page: Page, link: str, today: dt.date) -> None:
    """The confirmer, in a browser with no session, gives the confirmation."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm {NURSE}'s NMC revalidation")
    expect(page.get_by_label(label("Your full name"))).to_have_value(CONFIRMER)
    page.get_by_label(label("Your NMC PIN or other professional registration")).fill("98b7654c")
    page.get_by_label(label("Your role")).fill("Line manager")
    expect(page.get_by_label(label("Your email address"))).to_have_value(CONFIRMER_EMAIL)
    page.get_by_label(label("Your professional address")).fill("2 Example Street\nNorthwick")
    page.get_by_label(label("Postcode")).fill("ls1 4ap")
    fill_date(page, "Date of the confirmation discussion", today)
    page.get_by_label(label("I confirm the statements above")).check()
    _fits(page)
    page.get_by_role("button", name="Give my confirmation").click()
    expect(page.get_by_role("heading", name="Confirmation given")).to_be_visible()
    expect(page.get_by_text(f"{NURSE} has been told.")).to_be_visible()


def _download_the_pack(page: Page, tmp_path: Path) -> str:
    page.get_by_role("button", name="Make the NMC revalidation pack (PDF)").click()
    expect(page).to_have_url(re.compile(r"/portfolio/exports/\d+/$"))
    # Eager Celery renders it within the request; with a worker it is ready later and the
    # progress page notices by itself. Either way: wait for the state, not for time.
    expect(page.get_by_test_id("export-ready")).to_contain_text(
        "Your PDF is ready", timeout=PDF_TIMEOUT_MS
    )
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "nmc-pack.pdf"
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(p.extract_text() for p in reader.pages)


def _flat(text: str) -> str:
    """PDF text with line breaks folded into spaces, so a wrapped sentence still matches."""
    return " ".join(text.split())


def test_a_nurse_revalidates_with_a_confirmer_and_downloads_the_nmc_pack(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_framework: Framework,
    mailoutbox: list[EmailMessage],
    tmp_path: Path,
) -> None:
    today = timezone.localdate()
    nurse = UserFactory(full_name=NURSE, email=NURSE_EMAIL)
    portfolio = make_portfolio(nurse, live_framework)
    settings_update(
        portfolio=portfolio,
        by=nurse,
        professional_body="nmc",
        revalidation_date=today + dt.timedelta(days=200),
        nmc_dual_registration=False,
    )

    context = browser.new_context(**browser_context_args, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    confirmer_context = browser.new_context(**browser_context_args, viewport=PHONE)
    confirmer_context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, NURSE_EMAIL, PASSWORD)
        _write_the_account(page, today)

        _open_the_tracker(page)
        expect(page.get_by_test_id("reval-reflective_accounts-value")).to_have_text(
            "1 of 5 reflective accounts"
        )
        hours_value = page.get_by_test_id("reval-practice_hours-value")
        expect(hours_value).to_have_text("0 h of 450 h")
        _fits(page)

        _record_hours(page, today)
        _open_the_tracker(page)
        expect(hours_value).to_have_text("150 h of 450 h")
        expect(page.get_by_test_id("reval-confirmation")).to_have_attribute("data-met", "no")

        link = _invite_the_confirmer(page, mailoutbox)

        confirmer = confirmer_context.new_page()
        assert confirmer_context.cookies() == []
        _confirm(confirmer, link, today)

        _open_the_tracker(page)
        expect(page.get_by_test_id("reval-confirmation")).to_have_attribute("data-met", "yes")

        text = _flat(_download_the_pack(page, tmp_path))
    finally:
        confirmer_context.close()
        context.close()

    assert "NMC revalidation pack" in text
    assert "Revalidation checklist" in text
    # The account written in Rolfe sits on the NMC's form: each answer under its question.
    assert f"{NMC['what_happened']} {_flat(WHAT)}" in text
    assert f"{NMC['so_what']} {_flat(SO_WHAT)}" in text
    assert f"{NMC['now_what']} {_flat(NOW_WHAT)}" in text
    assert "☒ Prioritise people" in text
    # The confirmation form carries what the confirmer gave, in their own browser.
    confirmation_form = re.search(r"Confirmation form The confirmer confirms .*?Page", text)
    assert confirmation_form, "no confirmation form in the pack"
    assert f"Confirmer's name {CONFIRMER}" in confirmation_form.group(0)
    assert "98B7654C" in confirmation_form.group(0)  # the PIN, typed in lower case
