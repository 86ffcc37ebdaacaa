"""People who can see others' records must set up two-factor authentication first."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from imhcpd.models import User
from tests.browser.helpers import current_totp, label, sign_in
from tests.factories import PASSWORD, RegisterAdminFactory, StaffFactory, give_totp

WHY = "two-factor authentication is required"


def expect_sent_to_totp_set_up(page: Page) -> None:
    """The MFA middleware's redirect, as the browser ends up seeing it.

    allauth asks for the password again before any MFA change (its reauthentication
    flag only counts a password re-entered after sign-in), so the set-up starts with
    "Confirm it is you" (step 1 of 3), which carries the set-up URL in `next`.
    """
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?"))
    set_up = parse_qs(urlparse(page.url).query)["next"][0]
    assert set_up == "/accounts/2fa/totp/activate/"
    expect(page.get_by_role("status")).to_contain_text(WHY)
    expect(page.get_by_test_id("setup-step")).to_contain_text("Step 1 of 3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_test_id("setup-step")).to_contain_text("Step 2 of 3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")


def test_register_admin_is_sent_to_set_up_totp_then_reaches_the_admin_pages(
    page: Page, transactional_db: None
) -> None:
    admin = RegisterAdminFactory(email="nia.new@example.org", full_name="Nia New")
    sign_in(page, admin.email, PASSWORD)
    expect(page.locator("[data-nav=account-menu]")).to_be_visible()

    page.get_by_role("link", name="Register administration").click()
    expect_sent_to_totp_set_up(page)

    # The key is shown whole, in groups of four, on a phone too; the QR code beside it.
    page.set_viewport_size({"width": 375, "height": 800})
    key = page.get_by_test_id("authenticator-secret")
    shown = key.inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", shown), shown
    box = key.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    # Type it into an app (spaces and all) and enter the code it shows.
    secret = shown.replace(" ", "")
    page.get_by_label(label("Authenticator code")).fill(current_totp(secret))
    page.get_by_role("button", name="Continue").click()
    assert User.objects.get(pk=admin.pk).authenticator_set.filter(type="totp").exists()

    # Step 3: the recovery codes, in the site's layout; Continue needs "I have saved these".
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.get_by_test_id("setup-step")).to_contain_text("Step 3 of 3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you have saved")
    page.get_by_label("I have saved these recovery codes").check()
    page.get_by_role("button", name="Continue").click()

    # Back where they were going.
    expect(page).to_have_url(re.compile(r"/register/admin/$"))
    expect(page.get_by_role("status")).to_contain_text("Two-factor authentication is set up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register administration")


def test_staff_without_totp_going_to_the_django_admin_is_sent_to_set_up(
    page: Page, transactional_db: None
) -> None:
    staff = StaffFactory(email="stevie.staff@example.org", full_name="Stevie Staff")
    sign_in(page, staff.email, PASSWORD)
    page.goto("/admin/")
    expect_sent_to_totp_set_up(page)


def test_staff_opening_the_admin_signs_in_with_password_and_code(
    page: Page, transactional_db: None
) -> None:
    """/admin/login/ is allauth's login: the code step cannot be skipped (issue 11, 1)."""
    staff = StaffFactory(email="stevie.staff@example.org", full_name="Stevie Staff")
    secret = give_totp(staff)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label(label("Email address")).fill(staff.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label(label("Code")).fill(current_totp(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Site administration")


def test_a_password_only_session_is_asked_for_the_code_before_the_admin(
    page: Page, transactional_db: None
) -> None:
    admin = RegisterAdminFactory(email="ari.admin@example.org", full_name="Ari Admin")
    sign_in(page, admin.email, PASSWORD)  # no authenticator yet: a password-only session
    secret = give_totp(admin)  # set up from another device
    page.goto("/register/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/reauthenticate/\?next="))
    expect(page.get_by_role("status")).to_contain_text(WHY)
    page.get_by_label(label("Code")).fill(current_totp(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/register/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register administration")


def test_first_tab_on_the_home_page_focuses_the_skip_link(
    page: Page, transactional_db: None
) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
