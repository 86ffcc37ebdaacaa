"""A practitioner and a new supervisor, in two browsers, take one item through review; and,
on a phone, a supervisor opens the files attached to what was submitted and signs off, one
item and then several at once by keyboard.

The journey from issue 4: the practitioner invites a supervisor by name, email and role →
the invitation email carries a link → the supervisor opens it without an account, signs
up, verifies their address and accepts → the practitioner submits an evidence item linked
to a competency → the supervisor returns it with feedback → the practitioner reads the
feedback, revises and resubmits → the supervisor signs it off with the declaration → the
practitioner's competency matrix and dashboard show the competency signed off.

The practitioner, their portfolio and the draft come from the factories; everything from
the invitation on goes through the two browsers.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from playwright.sync_api import Browser, Locator, Page, expect

from competencies.models import Competency, Framework
from portfolios.models import Portfolio
from portfolios.services import attachment_add
from portfolios.supervision.models import AttachmentAccess, Review, Supervision
from portfolios.supervision.services import declaration_text, evidence_submit
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import confirmation_path, label, sign_in
from tests.factories import (
    PASSWORD,
    REFLECTION,
    UserFactory,
    make_evidence,
    make_portfolio,
    make_supervision,
    pdf_bytes,
    png_bytes,
)

PRACTITIONER = "Pat Practitioner"
PRACTITIONER_EMAIL = "pat.practitioner@example.org"
SUPERVISOR = "Sam Supervisor"
SUPERVISOR_EMAIL = "sam.supervisor@example.org"
TITLE = "Watching a feed together"
CODE = "1.01"
LEVEL = 2
FEEDBACK = "Say what you noticed in the baby's cues, not only what the mother did."
REVISED = "Describe the baby's cues to the parent as I notice them, and ask what they see."
INVITATION_LINK = re.compile(r"https?://\S+?(/supervision/invitations/[^/\s]+/)")


def _emails_to(mailoutbox: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in mailoutbox if m.to == [address]]


def _invitation_path(body: str) -> str:
    """The path of the link in an invitation email (the link itself points at SITE_URL)."""
    match = INVITATION_LINK.search(body)
    assert match, f"No invitation link in the email:\n{body}"
    assert match.group(0).startswith(f"{settings.SITE_URL}/")
    return match.group(1)


def _summary(page: Page) -> Locator:
    """The line under an evidence item's title: kind · date · revision · status."""
    return page.locator("h1 + p")


# --- The practitioner ------------------------------------------------------------------


def _invite(page: Page, mailoutbox: list[EmailMessage]) -> str:
    """Invite the supervisor; returns the path of the link the email carries."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervisors")
    expect(page.get_by_text("No supervisors yet.")).to_be_visible()
    page.get_by_label(label("Supervisor's name")).fill(SUPERVISOR)
    page.get_by_label(label("Supervisor's email")).fill(SUPERVISOR_EMAIL)
    page.get_by_role("radio", name="Clinical supervisor").check()
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(re.compile(r"/supervision/supervisors/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {SUPERVISOR_EMAIL}.")
    invited = page.locator("[data-testid=supervision]")
    expect(invited).to_have_count(1)
    expect(invited).to_contain_text(f"{SUPERVISOR} · Clinical supervisor · {SUPERVISOR_EMAIL}")
    expect(invited).to_contain_text("Invited")
    expect(invited.get_by_role("button", name="Cancel invitation")).to_be_visible()

    # The email is sent after the commit, by the (eager) Celery task.
    emails = _emails_to(mailoutbox, SUPERVISOR_EMAIL)
    assert [m.subject for m in emails] == [
        f"[IMH CPD] {PRACTITIONER} invites you to supervise their IMH CPD portfolio"
    ]
    assert f"Dear {SUPERVISOR}," in emails[0].body
    assert f"{PRACTITIONER} has asked you to be their clinical supervisor" in emails[0].body
    return _invitation_path(emails[0].body)


def _open_evidence(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def _submit(page: Page, revision: int) -> None:
    """Send the draft on the open evidence page to the supervisor."""
    expect(_summary(page)).to_contain_text(f"revision {revision} · Draft")
    ask = page.get_by_role("region", name="Ask for review")
    expect(ask.get_by_label("Send to")).to_have_value(re.compile(r"^\d+$"))
    ask.get_by_label("Send to").select_option(label=f"{SUPERVISOR} (clinical supervisor)")
    ask.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text(f"Sent to {SUPERVISOR} for review.")
    expect(_summary(page)).to_contain_text(f"revision {revision} · Submitted for review")
    expect(page.get_by_text(f"Waiting for review by {SUPERVISOR} since")).to_be_visible()
    # A submitted revision is frozen.
    expect(page.get_by_role("link", name=re.compile(r"^Edit"))).to_have_count(0)
    expect(page.get_by_role("region", name="Ask for review")).to_have_count(0)


def _read_feedback_and_revise(page: Page) -> None:
    page.reload()
    expect(_summary(page)).to_contain_text("revision 1 · Returned for changes")
    review = page.locator("[data-testid=review]")
    expect(review).to_contain_text(f"Returned for changes by {SUPERVISOR}")
    expect(review.locator("[data-testid=review-feedback]")).to_have_text(FEEDBACK)

    page.get_by_role("link", name="Edit (new revision)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit: {TITLE}")
    expect(page.get_by_role("main")).to_contain_text(
        "Saving starts revision 2; revision 1 stays as it was."
    )
    now_what = page.get_by_label(label("Now what? What I will do differently"))
    expect(now_what).to_have_value(REFLECTION["now_what"])
    now_what.fill(REVISED)
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(r"/portfolio/evidence/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(REVISED)).to_be_visible()
    # The returned revision and its feedback stay on record.
    earlier = page.locator("details").filter(has_text="Revision 1 — Returned for changes")
    expect(earlier).to_have_count(1)
    earlier.locator("summary").click()
    expect(earlier.locator("[data-testid=review-feedback]")).to_have_text(FEEDBACK)


def _sees_it_signed_off(page: Page, framework: Framework) -> None:
    page.reload()
    expect(_summary(page)).to_contain_text("revision 2 · Signed off")
    review = page.locator("[data-testid=review]").first
    expect(review).to_contain_text(f"Signed off by {SUPERVISOR}")
    expect(review).to_contain_text(declaration_text(LEVEL))
    competency = Competency.objects.get(framework=framework, code=CODE)
    expect(
        page.get_by_role("listitem").filter(has_text=f"{CODE} {competency.title}")
    ).to_contain_text(f"Counts Signed off at Level {LEVEL}.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency matrix")
    cell = page.locator(f"[data-code='{CODE}']")
    expect(cell).to_have_attribute("data-status", "signed_off")
    expect(cell).to_contain_text("Signed off")

    page.locator("[data-nav=dashboard]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    expect(page.locator("[data-testid=headline]")).to_have_text(re.compile(r"^Signed off 1 of \d+"))
    gap_codes = page.locator(".gap-list .competency-code").all_inner_texts()
    assert gap_codes
    assert CODE not in gap_codes
    expect(page.get_by_role("region", name="Recent evidence")).to_contain_text(
        f"{TITLE} Reflective account · Signed off"
    )


# --- The supervisor ------------------------------------------------------------------------


def _sign_up_from_the_link(page: Page, link: str, mailoutbox: list[EmailMessage]) -> None:
    """With no account, follow the emailed link, sign up, verify the address, sign in."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision invitation")
    expect(page.get_by_role("main")).to_contain_text(
        f"{PRACTITIONER} has asked {SUPERVISOR} to be their clinical supervisor"
    )
    expect(page.get_by_role("main")).to_contain_text(
        f"Sign in or create an account with {SUPERVISOR_EMAIL} to answer."
    )
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(re.escape(f"/accounts/signup/?next={link}") + "$"))

    # The invitation filled in the name and address it was sent to.
    expect(page.get_by_label(label("Full name"))).to_have_value(SUPERVISOR)
    expect(page.get_by_label(label("Email address"))).to_have_value(SUPERVISOR_EMAIL)
    page.get_by_label(label("Create a password")).fill(PASSWORD)
    page.get_by_label(label("Confirm password")).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # Verification is mandatory: follow the link in the second email to this address.
    emails = _emails_to(mailoutbox, SUPERVISOR_EMAIL)
    assert len(emails) == 2
    page.goto(confirmation_path(emails[-1].body))
    page.get_by_role("button", name="Confirm").click()
    # Confirming in the same browser signs them in and goes back to the invitation.
    expect(page.get_by_role("status")).to_contain_text(f"You have confirmed {SUPERVISOR_EMAIL}")
    expect(page.locator("[data-nav=account-menu]")).to_be_visible()


def _accept(page: Page, link: str, mailoutbox: list[EmailMessage]) -> None:
    # allauth drops the sign-up's `next` when the address is verified; the session kept the
    # invitation, so signing in after verifying lands back on it without the email again.
    expect(page).to_have_url(re.compile(re.escape(link.split("//", 1)[-1].split("/", 1)[-1]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision invitation")
    page.get_by_role("button", name="Accept").click()

    expect(page).to_have_url(re.compile(r"/supervision/$"))
    expect(page.get_by_role("status")).to_contain_text(f"You now supervise {PRACTITIONER}.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your review")
    expect(page.get_by_role("table")).to_contain_text("Nothing is waiting for you.")
    expect(page.get_by_role("link", name="Review queue")).to_have_attribute("aria-current", "page")
    accepted = f"[IMH CPD] {SUPERVISOR} accepted your invitation to be your clinical supervisor."
    assert [m.subject for m in _emails_to(mailoutbox, PRACTITIONER_EMAIL)] == [accepted]

    # The link has done its job.
    page.goto(link)
    expect(page.locator("[data-testid=invitation-problem]")).to_contain_text(
        "This invitation has already been used or withdrawn (active)."
    )


def _open_from_queue(page: Page, revision: int) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your review")
    queue = page.locator("[data-testid=queue-item]")
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text(f"Reflective account · revision {revision}")
    expect(queue).to_contain_text(PRACTITIONER)
    expect(queue).to_contain_text(CODE)
    queue.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("main")).to_contain_text(
        f"{PRACTITIONER} · Reflective account · 15 January 2026 · revision {revision} · "
        "Submitted for review"
    )


def _return_with_feedback(page: Page) -> None:
    _open_from_queue(page, revision=1)
    expect(page.get_by_text(REFLECTION["now_what"])).to_be_visible()
    # Returning needs feedback: the empty form comes back with the reason.
    return_button = page.get_by_role("button", name="Return to Pat")
    return_button.click()
    expect(page.get_by_role("main")).to_contain_text(
        "Say what needs to change before returning the item."
    )
    page.get_by_label(label("What needs to change")).fill(FEEDBACK)
    return_button.click()

    expect(page).to_have_url(re.compile(r"/supervision/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Returned “{TITLE}” with your feedback.")
    expect(page.locator("[data-testid=queue-item]")).to_have_count(0)
    expect(page.get_by_role("table")).to_contain_text("Nothing is waiting for you.")


def _sign_off(page: Page, framework: Framework) -> None:
    _open_from_queue(page, revision=2)
    expect(page.get_by_text(REVISED)).to_be_visible()
    competency = Competency.objects.get(framework=framework, code=CODE)
    expect(page.get_by_role("checkbox", name=f"{CODE} {competency.title}")).to_be_checked()

    # Without the declaration nothing is signed off.
    sign_off = page.get_by_role("button", name="Sign off")
    sign_off.click()
    expect(page.get_by_role("status")).to_contain_text("Tick the declaration to sign off.")
    expect(page.get_by_role("main")).to_contain_text("revision 2 · Submitted for review")

    page.get_by_role("checkbox", name=declaration_text(LEVEL)).check()
    sign_off.click()
    expect(page).to_have_url(re.compile(r"/supervision/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Signed off “{TITLE}”.")
    expect(page.locator("[data-testid=queue-item]")).to_have_count(0)


def test_invite_sign_up_return_resubmit_and_sign_off(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_framework: Framework,
    mailoutbox: list[EmailMessage],
) -> None:
    practitioner = UserFactory(full_name=PRACTITIONER, email=PRACTITIONER_EMAIL)
    portfolio = make_portfolio(practitioner, live_framework, target_level=LEVEL)
    make_evidence(portfolio, codes=(CODE,), title=TITLE)

    sign_in(page, PRACTITIONER_EMAIL, PASSWORD)
    link = _invite(page, mailoutbox)

    # The supervisor works in a browser of their own.
    supervisor_context = browser.new_context(**browser_context_args)
    supervisor_context.set_default_timeout(TIMEOUT_MS)
    try:
        supervisor = supervisor_context.new_page()
        _sign_up_from_the_link(supervisor, link, mailoutbox)
        _accept(supervisor, link, mailoutbox)

        page.reload()
        expect(page.locator("[data-testid=supervision]")).to_contain_text("Active")
        _open_evidence(page)
        _submit(page, revision=1)
        assert f"[IMH CPD] {PRACTITIONER} submitted “{TITLE}” for your review." in [
            m.subject for m in _emails_to(mailoutbox, SUPERVISOR_EMAIL)
        ]

        _return_with_feedback(supervisor)
        _read_feedback_and_revise(page)
        _submit(page, revision=2)

        _sign_off(supervisor, live_framework)
    finally:
        supervisor_context.close()

    _sees_it_signed_off(page, live_framework)
    assert f"[IMH CPD] {SUPERVISOR} signed off “{TITLE}” at Level {LEVEL}." in [
        m.subject for m in _emails_to(mailoutbox, PRACTITIONER_EMAIL)
    ]


# --- A supervisor opens what was attached, then signs off (issue 12) -------------------------

PHONE = {"width": 375, "height": 812}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _submitted_with_files(portfolio: Portfolio, supervision: Supervision) -> None:
    """The certificate (a PDF and a photo attached) and two reflections, all sent for review."""
    certificate = make_evidence(portfolio, codes=(CODE,), title="Newborn observation course")
    for name, data, kind in (
        ("certificate.pdf", pdf_bytes(), "application/pdf"),
        ("photo.png", png_bytes(), "image/png"),
    ):
        upload = SimpleUploadedFile(name, data, content_type=kind)
        attachment_add(evidence=certificate, upload=upload, by=portfolio.user)
    evidence_submit(evidence=certificate, supervision=supervision, by=portfolio.user)
    for title in ("Bath time", "A first smile"):
        evidence_submit(
            evidence=make_evidence(portfolio, codes=(CODE,), title=title),
            supervision=supervision,
            by=portfolio.user,
        )


def test_a_supervisor_opens_a_submitted_attachment_and_signs_off_on_a_phone(
    page: Page, live_framework: Framework
) -> None:

    practitioner = UserFactory(full_name=PRACTITIONER, email=PRACTITIONER_EMAIL)
    portfolio = make_portfolio(practitioner, live_framework, target_level=LEVEL)
    supervisor = UserFactory(full_name=SUPERVISOR, email=SUPERVISOR_EMAIL)
    supervision = make_supervision(portfolio, supervisor)
    _submitted_with_files(portfolio, supervision)

    page.set_viewport_size(PHONE)
    sign_in(page, SUPERVISOR_EMAIL, PASSWORD)
    page.goto("/supervision/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your review")
    rows = page.locator("[data-testid=queue-item]")
    expect(rows).to_have_count(3)
    expect(rows.locator("[data-testid=queue-level]")).to_have_text([f"Level {LEVEL}"] * 3)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # The certificate: its files listed by name, type and size, never by hash.
    rows.get_by_role("link", name="Newborn observation course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Newborn observation course")
    expect(page.locator("[data-testid=review-level]")).to_contain_text(f"Level {LEVEL}")
    files = page.locator("[data-testid=attachment]")
    expect(files).to_have_count(2)
    expect(files.nth(0)).to_contain_text(
        re.compile(r"certificate\.pdf.*PDF, [\d.]+\s(KB|bytes)", re.S)
    )
    expect(files.nth(1)).to_contain_text(re.compile(r"photo\.png.*PNG image", re.S))
    expect(page.get_by_role("main")).not_to_contain_text("SHA-256")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # The photo opens in a tab of its own, as an image.
    with page.context.expect_page() as opened:
        files.nth(1).get_by_role("link", name=re.compile(r"^photo\.png")).click()
    photo = opened.value
    photo.wait_for_load_state()
    assert re.search(r"/supervision/attachments/\d+/$", photo.url)
    expect(photo.locator("img")).to_have_count(1)
    assert photo.locator("img").evaluate("img => img.naturalWidth") == 4
    photo.close()

    # The PDF can be downloaded under its own name.
    with page.expect_download() as downloaded:
        files.nth(0).get_by_role("link", name="Download certificate.pdf").click()
    assert downloaded.value.suggested_filename == "certificate.pdf"
    assert sorted(
        AttachmentAccess.objects.filter(user=supervisor).values_list(
            "attachment__filename", "inline"
        )
    ) == [("certificate.pdf", False), ("photo.png", True)]

    # Signed off at the level fixed at submission.
    page.get_by_role("checkbox", name=declaration_text(LEVEL)).check()
    page.get_by_role("button", name="Sign off", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Signed off “Newborn observation course”.")
    expect(rows).to_have_count(2)


def test_select_all_and_a_failed_bulk_sign_off_keep_the_ticks_without_a_mouse(
    page: Page, live_framework: Framework
) -> None:

    practitioner = UserFactory(full_name=PRACTITIONER, email=PRACTITIONER_EMAIL)
    portfolio = make_portfolio(practitioner, live_framework, target_level=LEVEL)
    supervisor = UserFactory(full_name=SUPERVISOR, email=SUPERVISOR_EMAIL)
    supervision = make_supervision(portfolio, supervisor)
    _submitted_with_files(portfolio, supervision)

    page.set_viewport_size(PHONE)
    sign_in(page, SUPERVISOR_EMAIL, PASSWORD)
    page.goto("/supervision/")
    boxes = page.locator("[data-testid=queue-item] input[name=revision]")
    expect(boxes).to_have_count(3)

    select_all = page.get_by_role("checkbox", name="Select all items on this page")
    select_all.focus()
    page.keyboard.press("Space")
    for n in range(3):
        expect(boxes.nth(n)).to_be_checked()
    boxes.nth(2).focus()  # and one untick, by keyboard too
    page.keyboard.press("Space")
    expect(boxes.nth(2)).not_to_be_checked()
    expect(select_all).not_to_be_checked()

    # No declaration: the queue comes back with the summary focused and the ticks kept.
    page.get_by_role("button", name="Sign off selected items").focus()
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the declaration to sign off the selected items.")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert not Review.objects.exists()

    # The summary's link takes focus to the declaration.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    declaration = page.locator("#bulk-declaration")
    expect(declaration).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Sign off selected items").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Signed off 2 items.")
    expect(page.locator("[data-testid=queue-item]")).to_have_count(1)
    assert Review.objects.count() == 2
