"""An eligible practitioner's register application, from the first click to the public register.

The journey from issue 5, as issue 12 shaped it, in Chromium: the practitioner starts an
application at Level 2 and works through its task list (declarations, the endorsement asked
of their supervisor, two reference requests; the last task stays closed until the others are
done) → the supervisor endorses from their review queue → each referee, signed out, follows
the emailed link and answers → the practitioner checks their answers (with change links)
and submits, and the confirmation panel says what happens next and by when, with the PDF →
a register administrator signs in through the TOTP step, assigns the application to
themselves and asks a question → the practitioner answers, which resubmits → the
administrator sees snapshot version 2 with the answer, the decision panel in view beside the
evidence at 1280 px and after it at 375 px, and approves through the confirmation step that
summarises who, level, evidence and references → the practitioner sees their entry, when
renewal opens and no second application at the level → an anonymous visitor finds the entry
in the public register.

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
from tests.browser.helpers import current_totp, go_to, label, sign_in
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


def _row(key: str, value: str) -> re.Pattern[str]:
    """A summary-list row as read: its key, then its value."""
    return re.compile(rf"{re.escape(key)}\s*{re.escape(value)}")


def _messages(page: Page) -> Any:
    """The messages shown after a redirect (the confirmation panel is a status too)."""
    return page.locator(".messages[role=status]")


def _status(page: Page) -> Any:
    return expect(_messages(page))


# --- The practitioner ------------------------------------------------------------------


def _open_register(page: Page) -> None:
    go_to(page, "register-apply")
    expect(page.get_by_role("heading", level=1)).to_have_text("IMH Recognition Register")


def _task(page: Page, title: str) -> Any:
    return page.locator(".task-list__item").filter(has_text=title)


def _start(page: Page) -> None:
    _open_register(page)
    level = page.get_by_role("region", name=f"Level {LEVEL}")
    expect(level).to_contain_text("You can apply")
    checklist = level.get_by_test_id("checklist")
    expect(checklist.get_by_role("listitem")).to_have_count(4)
    expect(checklist).not_to_contain_text("Not met")
    expect(checklist).to_contain_text(
        f"Every competency at Level {LEVEL} has evidence signed off at Level {LEVEL}"
    )
    level.get_by_role("button", name=f"Start an application at Level {LEVEL}").click()

    expect(page).to_have_url(re.compile(r"/register/apply/$"))
    _status(page).to_contain_text(f"Application at Level {LEVEL} started.")
    expect(page.get_by_test_id("application-status")).to_have_text("Not yet submitted")
    expect(_task(page, "Check your eligibility")).to_contain_text("Completed")
    expect(_task(page, "Make the declarations")).to_contain_text("Not yet started")
    # The last task opens only when the others are done.
    last = _task(page, "Check your answers and submit")
    expect(last).to_contain_text("Cannot start yet")
    expect(last.get_by_role("link")).to_have_count(0)


def _declare(page: Page) -> None:
    page.get_by_role("link", name="Make the declarations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declarations")
    for text in DECLARATIONS.values():
        page.get_by_role("checkbox", name=text).check()
    page.get_by_role("button", name="Save declarations").click()
    expect(page).to_have_url(re.compile(r"/register/apply/$"))
    _status(page).to_contain_text("Declarations saved.")
    expect(_task(page, "Make the declarations")).to_contain_text("Completed")


def _ask_for_endorsement(page: Page, mailoutbox: list[EmailMessage]) -> None:
    page.get_by_role("link", name="Ask a supervisor to endorse your application").click()
    page.get_by_label("Supervisor to ask", exact=True).select_option(
        label=f"{SUPERVISOR} (Clinical supervisor)"
    )
    page.get_by_role("button", name="Ask for endorsement").click()
    _status(page).to_contain_text(f"Endorsement asked of {SUPERVISOR}.")
    expect(_task(page, "Ask a supervisor")).to_contain_text("Waiting for an answer")
    expect(_task(page, "Ask a supervisor")).to_contain_text(f"Asked {SUPERVISOR}")
    assert _subjects_to(mailoutbox, SUPERVISOR_EMAIL) == ["[IMH CPD] Endorsement requested"]


def _ask_for_references(page: Page, mailoutbox: list[EmailMessage]) -> list[str]:
    page.get_by_role("link", name="Get two references").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get two references")
    # An empty form: the error summary names the field, the page says so with a 4xx.
    page.get_by_role("button", name="Send reference request").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert")).to_contain_text("Enter the referee's name")
    paths = []
    for n, (name, email, _role) in enumerate(REFEREES, start=1):
        page.get_by_label("Referee's name").fill(name)
        page.get_by_label("Referee's email").fill(email)
        page.get_by_role("button", name="Send reference request").click()
        _status(page).to_contain_text(f"Reference request sent to {name}.")
        expect(page).to_have_url(re.compile(r"/register/apply/references/$"))
        expect(page.get_by_test_id("reference")).to_have_count(n)
        expect(page.get_by_test_id("reference").nth(n - 1)).to_contain_text(
            f"{name} ({email}): Waiting for an answer"
        )
        paths.append(_reference_path(mailoutbox, email))
    page.get_by_role("link", name="Return to your application").click()
    expect(_task(page, "Get two references")).to_contain_text("0 of 2 received")
    return paths


def _cannot_submit_yet(page: Page) -> None:
    last = _task(page, "Check your answers and submit")
    expect(last).to_contain_text("Cannot start yet")
    expect(last.get_by_role("link")).to_have_count(0)
    expect(page.get_by_test_id("application-status")).to_have_text("Not yet submitted")


def _submit(page: Page, mailoutbox: list[EmailMessage]) -> None:
    _open_register(page)
    expect(_task(page, "Ask a supervisor")).to_contain_text(f"Endorsed by {SUPERVISOR}")
    expect(_task(page, "Get two references")).to_contain_text("2 of 2 received")
    page.get_by_role("link", name="Check your answers and submit").click()

    expect(page).to_have_url(re.compile(r"/register/apply/check/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your application"
    )
    answers = page.get_by_test_id("check-answers")
    expect(answers).to_contain_text(_row("Level", f"Level {LEVEL}"))
    expect(answers).to_contain_text("Everything is met.")
    expect(answers).to_contain_text(f"Endorsed by {SUPERVISOR} (clinical supervisor)")
    for name, _email, role in REFEREES:
        expect(answers).to_contain_text(f"{name}, {role}")
    # A change link goes to the task, and back.
    answers.get_by_role("link", name="Change references").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get two references")
    page.go_back()

    # Submitting freezes snapshot version 1 and renders its PDF: Celery is eager here, so the
    # render runs inside the request (a few seconds idle, far more on a loaded 2-core CI
    # machine). Wait for the page that follows, however long the render takes.
    page.get_by_role("button", name="Submit my application").click(timeout=PDF_RENDER_MS)
    expect(page).to_have_url(re.compile(r"/register/apply/submitted/$"), timeout=PDF_RENDER_MS)
    panel = page.locator(".panel-confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Application submitted")
    expect(panel).to_contain_text(f"Level {LEVEL} · submitted on ")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(main).to_contain_text("We aim to decide within 6 weeks, by")
    expect(page.get_by_test_id("decision-due")).to_have_text(DATE)
    expect(page.get_by_test_id("snapshot-pdf")).to_be_visible()
    expect(main).not_to_contain_text("SHA-256")

    page.get_by_role("link", name="Go to your application").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("application-history")).to_contain_text(
        "You submitted the application."
    )
    # Withdrawing is a quiet link to its own confirmation, not the page's only action.
    expect(page.get_by_role("button", name=re.compile("Withdraw"))).to_have_count(0)
    page.get_by_role("link", name="Withdraw this application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw your application?"
    )
    page.get_by_role("link", name="No, keep my application").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    assert "[IMH CPD] Application submitted" in _subjects_to(mailoutbox, PRACTITIONER_EMAIL)


def _answer(page: Page, mailoutbox: list[EmailMessage]) -> None:
    assert "[IMH CPD] Questions about your register application" in _subjects_to(
        mailoutbox, PRACTITIONER_EMAIL
    )
    page.reload()
    expect(page.get_by_test_id("application-status")).to_have_text("Questions for you")
    expect(page.get_by_role("heading", name="Questions from the administrators")).to_be_visible()
    expect(page.get_by_test_id("application-history")).to_contain_text(
        f"An administrator asked for more information: “{QUESTIONS}”"
    )
    page.get_by_label("Your answer").fill(ANSWER)
    # Resubmitting renders snapshot version 2's PDF inside the request, as above.
    page.get_by_role("button", name="Send answer and resubmit").click(timeout=PDF_RENDER_MS)
    expect(page).to_have_url(re.compile(r"/register/apply/submitted/$"), timeout=PDF_RENDER_MS)
    _status(page).to_contain_text("Your answer was sent and the application resubmitted.")
    expect(page.locator(".panel-confirmation")).to_contain_text("Application resubmitted")
    # Back with the administrator who asked, not in the unassigned queue.
    expect(page.get_by_test_id("application-status")).to_have_text("Being reviewed")
    page.get_by_role("link", name="Go to your application").click()
    expect(page.get_by_role("heading", name="Questions from the administrators")).to_have_count(0)
    history = page.get_by_test_id("application-history")
    expect(history).to_contain_text("You answered the questions and resubmitted.")
    expect(history).not_to_contain_text("info_requested")


# --- The supervisor ----------------------------------------------------------------------


def _endorse(page: Page) -> None:
    sign_in(page, SUPERVISOR_EMAIL, PASSWORD)
    go_to(page, "review-queue")
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
    expect(page.get_by_role("main").get_by_role("status").last).to_have_text(
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
    expect(page.locator("[data-nav=account-menu]")).to_be_visible()


def _assign_and_ask(page: Page, secret: str) -> None:
    _sign_in_with_totp(page, secret)
    # The administrator's home is the queue.
    expect(page).to_have_url(re.compile(r"/register/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register administration")
    row = page.get_by_test_id("application-row")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [
            PRACTITIONER,
            f"Level {LEVEL}",
            "Waiting to be picked up",
            DATE,
            re.compile(r"minute"),
            "—",
        ]
    )
    row.get_by_role("link", name=PRACTITIONER).click()

    expect(page).to_have_url(re.compile(r"/register/admin/applications/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PRACTITIONER} — Level {LEVEL}")
    expect(page.get_by_test_id("admin-status")).to_have_text("Waiting to be picked up")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Snapshot version 1, frozen")
    expect(main).to_contain_text(f"Endorsed by {SUPERVISOR} (Clinical supervisor): {ENDORSEMENT}")
    for name, _email, role in REFEREES:
        expect(main).to_contain_text(f"{name}, {role}")
    expect(page.get_by_role("navigation", name="Snapshot versions")).to_have_count(0)

    page.get_by_role("button", name="Assign to me").click()
    _status(page).to_contain_text("Assigned to you.")
    expect(page.get_by_test_id("admin-status")).to_have_text("Under review")
    expect(page.get_by_test_id("admin-history")).to_contain_text(
        f"{ADMIN} took the application for review."
    )

    page.get_by_label("Questions for the applicant").fill(QUESTIONS)
    page.get_by_role("button", name="Request more information").click()
    _status(page).to_contain_text("Questions sent to the applicant.")
    expect(page.get_by_test_id("admin-status")).to_have_text("Waiting for the applicant")
    expect(page.get_by_role("link", name="Approve…")).to_have_count(0)


def _approve(page: Page) -> str:
    """Approve after reading version 2, through the confirmation step; returns the number."""
    page.set_viewport_size({"width": 1280, "height": 800})
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

    # On a wide screen the decision panel stays in view while the evidence scrolls by.
    panel = page.get_by_test_id("decision-panel")
    page.get_by_role("heading", name=re.compile(r"^Evidence \(")).scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(panel).to_be_in_viewport()
    expect(panel.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)

    # On a phone it comes at the end, after the evidence, and nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    evidence = page.get_by_role("heading", name=re.compile(r"^Evidence \("))
    assert panel.bounding_box()["y"] > evidence.bounding_box()["y"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # The confirmation step says who, at which level, on what evidence.
    panel.get_by_role("link", name="Approve…").click()
    expect(page).to_have_url(re.compile(r"/approve/\?version=2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Approve {PRACTITIONER} at Level {LEVEL}?"
    )
    summary = page.get_by_test_id("decision-summary")
    expect(summary).to_contain_text(_row("Applicant", PRACTITIONER))
    expect(summary).to_contain_text(_row("Level", f"Level {LEVEL}"))
    expect(summary).to_contain_text(_row("Snapshot", "Version 2"))
    expect(summary).to_contain_text(
        re.compile(rf"Competencies signed off\s+(\d+) of \1 at Level {LEVEL}")
    )
    expect(summary).to_contain_text(re.compile(r"Evidence\s+\d+ items"))
    expect(summary).to_contain_text(_row("Endorsement", f"{SUPERVISOR} (clinical supervisor)"))
    for name, _email, role in REFEREES:
        expect(summary).to_contain_text(f"{name}, {role}")
    expect(summary).to_contain_text(_row("Answers to your questions", "1 answer"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="Yes, approve and add to the register").click()
    expect(page).to_have_url(re.compile(r"/register/admin/applications/\d+/$"))
    number = re.compile(r"IMHRR-\d{4}-\d{6}")
    _status(page).to_contain_text(number)
    _status(page).to_contain_text(f"Approved: {PRACTITIONER} is on the register at Level {LEVEL}")
    expect(page.get_by_test_id("admin-status")).to_have_text("Approved")
    match = number.search(_messages(page).inner_text())
    assert match
    return match.group(0)


# --- Anyone ------------------------------------------------------------------------------------


def _find_in_public_register(page: Page, number: str) -> None:
    page.goto("/")
    go_to(page, "public-register")
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
    expect(entry).to_contain_text(_row("Registration number", number))
    expect(entry).to_contain_text(_row("Status", "Current"))
    expect(entry).to_contain_text(_row("Level", f"Level {LEVEL}"))
    expect(entry).to_contain_text(_row("Nation or region", REGION))


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
    entry = page.get_by_test_id("current-entry")
    expect(entry).to_contain_text(_row("Registration number", number))
    expect(entry).to_contain_text(_row("Level", f"Level {LEVEL}"))
    # Approved today: renewal is a year away, so the page says when it opens, with no button.
    expect(page.get_by_test_id("renewal-not-open")).to_contain_text("Renewal opens on")
    expect(page.get_by_role("button", name="Renew my entry")).to_have_count(0)
    # A second application at the level held is not offered.
    expect(
        page.get_by_role("region", name=f"Level {LEVEL}").get_by_test_id("held")
    ).to_contain_text("You are already on the register at Level 2")
    expect(page.get_by_role("button", name=f"Start an application at Level {LEVEL}")).to_have_count(
        0
    )

    with _browser_of_their_own(browser, browser_context_args) as visitor_page:
        _find_in_public_register(visitor_page, number)
