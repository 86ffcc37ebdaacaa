"""A new practitioner signs up, confirms their email (which signs them in) and reads the
framework; the sign-in and sign-up pages speak the site's words."""

from __future__ import annotations

import re

from django.core.mail import EmailMessage
from playwright.sync_api import Page, expect

from competencies.models import Framework
from tests.browser.helpers import confirmation_path, go_to, label, sign_in
from tests.factories import PASSWORD

NAME = "Robin Example"
EMAIL = "robin@example.org"


def test_sign_up_verify_sign_in_and_browse_the_framework(
    page: Page, live_framework: Framework, mailoutbox: list[EmailMessage]
) -> None:
    # Sign up.
    page.goto("/accounts/signup/")
    expect(page).to_have_title("Create an account — IMH CPD")
    # A mistake is summarised at the top, focused, and linked to its field.
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label(label("Full name"))).to_be_focused()

    page.get_by_label(label("Full name")).fill(NAME)
    page.get_by_label(label("Email address")).fill(EMAIL)
    page.get_by_label(label("Create a password")).fill(PASSWORD)
    page.get_by_label(label("Confirm password")).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("[data-nav=account-menu]")).to_have_count(0)
    assert [m.to for m in mailoutbox] == [[EMAIL]]

    # Signing in before verifying the address leads back to the same page, not home.
    sign_in(page, EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("[data-nav=account-menu]")).to_have_count(0)
    page.goto("/")
    expect(page.locator("[data-nav=sign-in]")).to_be_visible()

    # Follow the link in the email in this browser; confirming signs the person in and
    # goes to their home: the portfolio, which starts with its set-up.
    page.goto(confirmation_path(mailoutbox[-1].body))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"You have confirmed {EMAIL}")
    expect(page).to_have_url(re.compile(r"/portfolio/setup/$"))
    expect(page.locator("[data-nav=account-menu]")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your portfolio")

    # The framework overview.
    go_to(page, "framework")
    expect(page).to_have_url(re.compile(r"/framework/$"))
    expect(page.get_by_role("link", name="Relationship-based practice")).to_be_visible()
    expect(page.locator("[data-testid=illustrative-note]")).to_contain_text("Illustrative text")

    # A domain, switched to Level 3.
    page.get_by_role("link", name="Relationship-based practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Domain 1: Relationship-based practice"
    )
    switcher = page.get_by_role("navigation", name="Level")
    level_3 = switcher.get_by_role("link", name=re.compile(r"^Level 3\b"))
    expect(level_3).not_to_have_attribute("aria-current", "page")
    level_3.click()
    expect(page).to_have_url(re.compile(r"/framework/domains/1/level/3/$"))
    expect(level_3).to_have_attribute("aria-current", "page")
    expect(switcher.locator("[aria-current=page]")).to_have_count(1)

    # A competency shows its statement at all three levels.
    page.get_by_role("link", name=re.compile(r"^1\.01 ")).click()
    expect(page).to_have_url(re.compile(r"/framework/competencies/1\.01/$"))
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Level \d:"))).to_have_count(3)
    for number in (1, 2, 3):
        expect(page.get_by_role("heading", name=re.compile(rf"^Level {number}:"))).to_be_visible()
    expect(page.locator("[data-nav=account-menu]")).to_be_visible()
