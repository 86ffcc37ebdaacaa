"""An eligible practitioner's register application, from the first click to the public register.

The journey from issue 5, in Chromium: the practitioner starts an application at Level 2,
saves the declarations, asks their supervisor for the endorsement and sends two reference
requests → the supervisor endorses from their review queue → each referee, signed out,
follows the emailed link and answers → the practitioner submits → a register administrator
signs in through the TOTP step, assigns the application to themselves and asks a question →
the practitioner answers, which resubmits → the administrator sees snapshot version 2 with
the answer and approves → an anonymous visitor finds the entry in the public register.

The people, the portfolio and its eligibility (every competency achieved and signed off,
an active supervision) come from the factories; every step of the application goes
through the browsers, one per person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from playwright.sync_api import Browser, Page, expect

from competencies.models import Framework
from register.services import DECLARATIONS
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import current_totp, label, sign_in
from tests.factories import (
    PASSWORD,
    RegisterAdminFactory,
    UserFactory,
    give_totp,
    make_eligible,
    make_portfolio,
)

PRACTITIONER = "Jo Marchetti"
PRACTITIONER_EMAIL = "jo.marchetti@example.org"
SUPERVISOR = "Sam Okoro"
SUPERVISOR_EMAIL = "sam.okoro@example.org"
ADMIN = "Ari Lindqvist"
ADMIN_EMAIL = "ari.lindqvist@example.org"
REFEREES = [
    ("Rowan Hale", "rowan.hale@example.org", "Health visiting team leader"),
    ("Alex Pryce", "alex.pryce@example.org", "Perinatal mental health nurse"),
]
LEVEL = 2
REGION = "England — North West"
ENDORSEMENT = "Jo's work with parents and babies is careful, warm and well reflected on."
QUESTIONS = "Which setting do most of your home visits take place in?"
ANSWER = "Mostly family homes in the North West, with some visits at a family hub."
DATE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")
# A request that renders a PDF in-process (eager Celery) may take this long under load.
PDF_RENDER_MS = 120_000
REFERENCE_LINK = re.compile(r"https?://\S+?(/register/references/[^/\s]+/)")


def _new_page(browser: Browser, browser_context_args: dict[str, Any]) -> Page:
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@contextmanager
def _browser_of_their_own(browser: Browser, args: dict[str, Any]) -> Iterator[Page]:
    """A separate browser context (own cookies): another person at another computer."""
    page = _new_page(browser, args)
    try:
        yield page
    finally:
        page.context.close()


def _subjects_to(mailoutbox: list[EmailMessage], address: str) -> list[str]:
    return [m.subject for m in mailoutbox if m.to == [address]]


def _reference_path(mailoutbox: list[EmailMessage], address: str) -> str:
    """The path of the link in the reference request (the link itself points at SITE_URL)."""
    emails = [m for m in mailoutbox if m.to == [address]]
    assert [m.subject for m in emails] == [f"[IMH CPD] Reference request from {PRACTITIONER}"]
    match = REFERENCE_LINK.search(emails[0].body)
    assert match, f"No reference link in the email:\n{emails[0].body}"
    assert match.group(0).startswith(f"{settings.SITE_URL}/")
    return match.group(1)


def _status(page: Page) -> Any:
    return expect(page.get_by_role("status"))


# --- The practitioner ------------------------------------------------------------------


def _open_register(page: Page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IMH Recognition Register")


def _start(page: Page) -> None:
    _open_register(page)
    level = page.get_by_role("region", name=f"Level {LEVEL}")
    checklist = level.get_by_test_id("checklist")
    expect(checklist.get_by_role("listitem")).to_have_count(4)
    expect(checklist).not_to_contain_text("Missing:")
    expect(checklist).to_contain_text(
        f"Met: Every competency at Level {LEVEL} has evidence signed off at Level {LEVEL}"
    )
    level.get_by_role("button", name=f"Start an application at Level {LEVEL}").click()

    expect(page).to_have_url(re.compile(r"/register/apply/$"))
    _status(page).to_contain_text("Application started.")
    expect(page.get_by_test_id("application-status")).to_have_text("Draft")


def _declare(page: Page) -> None:
    for text in DECLARATIONS.values():
        page.get_by_role("checkbox", name=text).check()
    page.get_by_role("button", name="Save declarations").click()
    _status(page).to_contain_text("Declarations saved.")
    for text in DECLARATIONS.values():
        expect(page.get_by_role("checkbox", name=text)).to_be_checked()


def _ask_for_endorsement(page: Page, mailoutbox: list[EmailMessage]) -> None:
    page.get_by_label("Supervisor to ask", exact=True).select_option(
        label=f"{SUPERVISOR} (Clinical supervisor)"
    )
    page.get_by_role("button", name="Ask for endorsement").click()
    _status(page).to_contain_text(f"Endorsement asked of {SUPERVISOR}.")
    expect(page.get_by_test_id("endorsement")).to_have_text(f"{SUPERVISOR}: Requested")
    assert _subjects_to(mailoutbox, SUPERVISOR_EMAIL) == ["[IMH CPD] Endorsement requested"]


def _ask_for_references(page: Page, mailoutbox: list[EmailMessage]) -> list[str]:
    paths = []
    for n, (name, email, _role) in enumerate(REFEREES, start=1):
        page.get_by_label("Referee's name").fill(name)
        page.get_by_label("Referee's email").fill(email)
        page.get_by_role("button", name="Send reference request").click()
        _status(page).to_contain_text(f"Reference request sent to {name}.")
        expect(page.get_by_test_id("reference")).to_have_count(n)
        expect(page.get_by_test_id("reference").nth(n - 1)).to_contain_text(
            f"{name} ({email}): Requested"
        )
        paths.append(_reference_path(mailoutbox, email))
    return paths


def _cannot_submit_yet(page: Page) -> None:
    page.get_by_role("button", name="Submit my application").click()
    _status(page).to_contain_text("An endorsement from an active supervisor is needed.")
    _status(page).to_contain_text("Two references are needed.")
    expect(page.get_by_test_id("application-status")).to_have_text("Draft")


def _submit(page: Page, mailoutbox: list[EmailMessage]) -> None:
    # Not a reload: the page on screen answered the refused POST.
    _open_register(page)
    expect(page.get_by_test_id("endorsement")).to_have_text(f"{SUPERVISOR}: Endorsed")
    for item in page.get_by_test_id("reference").all():
        expect(item).to_contain_text("Received")
    expect(page.get_by_role("main")).not_to_contain_text("Two references are needed.")
    # Submitting freezes snapshot version 1 and renders its PDF: Celery is eager here, so the
    # render runs inside the request (a few seconds idle, far more on a loaded 2-core CI
    # machine). Wait for the page that follows, however long the render takes.
    page.get_by_role("button", name="Submit my application").click(timeout=PDF_RENDER_MS)
    _status(page).to_contain_text("Your application has been submitted.")
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("application-history")).to_contain_text(
        "draft → submitted (snapshot version 1)"
    )
    expect(page.get_by_role("button", name="Submit my application")).to_have_count(0)
    assert "[IMH CPD] Application submitted" in _subjects_to(mailoutbox, PRACTITIONER_EMAIL)


def _answer(page: Page, mailoutbox: list[EmailMessage]) -> None:
    assert "[IMH CPD] Questions about your register application" in _subjects_to(
        mailoutbox, PRACTITIONER_EMAIL
    )
    page.reload()
    expect(page.get_by_test_id("application-status")).to_have_text("More information requested")
    expect(page.get_by_role("heading", name="Questions from the administrators")).to_be_visible()
    expect(page.get_by_text(QUESTIONS)).to_be_visible()
    page.get_by_label("Your answer").fill(ANSWER)
    # Resubmitting renders snapshot version 2's PDF inside the request, as above.
    page.get_by_role("button", name="Send answer and resubmit").click(timeout=PDF_RENDER_MS)
    _status(page).to_contain_text("Your answer was sent and the application resubmitted.")
    # Back with the administrator who asked, not in the unassigned queue.
    expect(page.get_by_test_id("application-status")).to_have_text("Under review")
    expect(page.get_by_role("heading", name="Questions from the administrators")).to_have_count(0)
    expect(page.get_by_test_id("application-history")).to_contain_text(
        "info_requested → under_review (snapshot version 2)"
    )


# --- The supervisor ----------------------------------------------------------------------


def _endorse(page: Page) -> None:
    sign_in(page, SUPERVISOR_EMAIL, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your review")
    asked = page.get_by_role("region", name="Register endorsements asked of you")
    asked.get_by_role("link", name=f"{PRACTITIONER}, Level {LEVEL}").click()

    expect(page).to_have_url(re.compile(r"/register/endorsements/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Endorse {PRACTITIONER}")
    expect(page.get_by_role("main")).to_contain_text(
        f"applying to the IMH Recognition Register at Level {LEVEL} and asks you, as their "
        "clinical supervisor, to endorse the application."
    )
    page.get_by_role("radio", name="I endorse this application").check()
    page.get_by_label("Your endorsement, or your reason for declining").fill(ENDORSEMENT)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page).to_have_url(re.compile(r"/supervision/$"))
    _status(page).to_contain_text("Thank you: your answer was recorded.")
    expect(page.get_by_role("region", name="Register endorsements asked of you")).to_have_count(0)


# --- The referees ----------------------------------------------------------------------------


def _give_reference(page: Page, path: str, name: str, role: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reference for {PRACTITIONER}")
    expect(page.get_by_role("main")).to_contain_text(f"Level {LEVEL} and named you, {name},")
    expect(page.locator("[data-nav=sign-in]")).to_be_visible()
    page.get_by_label(label("Your role")).fill(role)
    page.get_by_label(label("How you know the applicant's infant mental health practice")).fill(
        "We have worked in the same team for three years."
    )
    page.get_by_label(label("Your reference")).fill(
        f"{PRACTITIONER} notices a baby's cues and helps parents notice them too."
    )
    page.get_by_role("button", name="Send my reference").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    _status(page).to_have_text(
        f"Your reference for {PRACTITIONER} has been received. You can close this page."
    )

    # The link works once.
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This reference link cannot be used")
    expect(page.get_by_role("alert")).to_have_text(
        "This reference has already been given or was withdrawn."
    )


# --- The register administrator --------------------------------------------------------------


def _sign_in_with_totp(page: Page, secret: str) -> None:
    sign_in(page, ADMIN_EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    page.get_by_label(label("Code")).fill(current_totp(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("[data-nav=sign-out]")).to_be_visible()


def _assign_and_ask(page: Page, secret: str) -> None:
    _sign_in_with_totp(page, secret)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Register administration"
    ).click()
    expect(page).to_have_url(re.compile(r"/register/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register administration")
    row = page.get_by_test_id("application-row")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [PRACTITIONER, f"Level {LEVEL}", "Submitted", DATE, re.compile(r"minute"), "—"]
    )
    row.get_by_role("link", name=PRACTITIONER).click()

    expect(page).to_have_url(re.compile(r"/register/admin/applications/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PRACTITIONER} — Level {LEVEL}")
    expect(page.get_by_test_id("admin-status")).to_have_text("Submitted")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Snapshot version 1, frozen")
    expect(main).to_contain_text(f"Endorsed by {SUPERVISOR} (Clinical supervisor): {ENDORSEMENT}")
    for name, _email, role in REFEREES:
        expect(main).to_contain_text(f"{name}, {role}")
    expect(page.get_by_role("navigation", name="Snapshot versions")).to_have_count(0)

    page.get_by_role("button", name="Assign to me").click()
    _status(page).to_contain_text("Assigned to you.")
    expect(page.get_by_test_id("admin-status")).to_have_text("Under review")
    expect(main).to_contain_text(f"assigned to {ADMIN}")

    page.get_by_label("Questions for the applicant").fill(QUESTIONS)
    page.get_by_role("button", name="Request more information").click()
    _status(page).to_contain_text("Questions sent to the applicant.")
    expect(page.get_by_test_id("admin-status")).to_have_text("More information requested")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


def _approve(page: Page) -> str:
    """Approve after reading version 2; returns the registration number."""
    page.reload()
    expect(page.get_by_test_id("admin-status")).to_have_text("Under review")
    versions = page.get_by_role("navigation", name="Snapshot versions")
    expect(versions.get_by_role("link")).to_have_text(["Version 1", "Version 2"])
    main = page.get_by_role("main")
    expect(main).to_contain_text("Snapshot version 2, frozen")
    expect(main).to_contain_text(f"Asked: {QUESTIONS}")
    expect(main).to_contain_text(f"Answered: {ANSWER}")

    # Version 1 stays as it was submitted, before the question.
    versions.get_by_role("link", name="Version 1").click()
    expect(page).to_have_url(re.compile(r"\?version=1$"))
    expect(main).to_contain_text("Snapshot version 1, frozen")
    expect(main).not_to_contain_text(ANSWER)
    versions.get_by_role("link", name="Version 2").click()
    expect(main).to_contain_text("Snapshot version 2, frozen")

    page.get_by_role("button", name="Approve", exact=True).click()
    number = re.compile(r"IMHRR-\d{4}-\d{6}")
    _status(page).to_contain_text(number)
    expect(page.get_by_test_id("admin-status")).to_have_text("Approved")
    match = number.search(page.get_by_role("status").inner_text())
    assert match
    return match.group(0)


# --- Anyone ------------------------------------------------------------------------------------


def _find_in_public_register(page: Page, number: str) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The IMH Recognition Register")
    page.get_by_label(label("Name or registration number")).fill(PRACTITIONER)
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    result = page.get_by_test_id("register-result")
    expect(result).to_have_count(1)
    expect(result.get_by_role("cell")).to_have_text(
        [PRACTITIONER, f"Level {LEVEL}", REGION, number, DATE]
    )
    result.get_by_role("link", name=PRACTITIONER).click()

    expect(page).to_have_url(re.compile(rf"/register/entries/{number}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PRACTITIONER)
    entry = page.get_by_test_id("entry")
    expect(entry).to_contain_text(f"Registration number{number}")
    expect(entry).to_contain_text("StatusCurrent")
    expect(entry).to_contain_text(f"LevelLevel {LEVEL}")
    expect(entry).to_contain_text(f"Nation or region{REGION}")


def test_apply_endorse_reference_request_information_answer_approve_and_find(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_framework: Framework,
    mailoutbox: list[EmailMessage],
) -> None:
    practitioner = UserFactory(full_name=PRACTITIONER, email=PRACTITIONER_EMAIL)
    make_portfolio(practitioner, live_framework, target_level=LEVEL)
    supervisor = UserFactory(full_name=SUPERVISOR, email=SUPERVISOR_EMAIL)
    make_eligible(practitioner, supervisor, level=LEVEL)
    admin = RegisterAdminFactory(full_name=ADMIN, email=ADMIN_EMAIL)
    secret = give_totp(admin)
    mailoutbox.clear()  # The sign-offs behind the eligibility sent their own emails.

    sign_in(page, PRACTITIONER_EMAIL, PASSWORD)
    _start(page)
    _declare(page)
    _ask_for_endorsement(page, mailoutbox)
    reference_paths = _ask_for_references(page, mailoutbox)
    _cannot_submit_yet(page)

    with _browser_of_their_own(browser, browser_context_args) as supervisor_page:
        _endorse(supervisor_page)
    assert "[IMH CPD] Your endorsement" in _subjects_to(mailoutbox, PRACTITIONER_EMAIL)

    for path, (name, _email, role) in zip(reference_paths, REFEREES, strict=True):
        with _browser_of_their_own(browser, browser_context_args) as referee_page:
            _give_reference(referee_page, path, name, role)
    assert _subjects_to(mailoutbox, PRACTITIONER_EMAIL).count("[IMH CPD] Reference received") == 2

    _submit(page, mailoutbox)

    with _browser_of_their_own(browser, browser_context_args) as admin_page:
        _assign_and_ask(admin_page, secret)
        _answer(page, mailoutbox)
        number = _approve(admin_page)
    assert "[IMH CPD] You are on the register" in _subjects_to(mailoutbox, PRACTITIONER_EMAIL)

    page.reload()
    expect(page.get_by_test_id("current-entry")).to_contain_text(f"{number} · Level {LEVEL}")

    with _browser_of_their_own(browser, browser_context_args) as visitor_page:
        _find_in_public_register(visitor_page, number)
