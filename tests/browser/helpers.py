"""Small helpers shared by the browser tests."""

from __future__ import annotations

import datetime as dt
import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page

TOTP_PERIOD = 30
CONFIRM_LINK = re.compile(r"https?://\S+?(/accounts/confirm-email/[^/\s]+/)")


def label(text: str) -> re.Pattern[str]:
    """Match a form label exactly, allowing crispy-forms' required-field asterisk.

    Playwright matches a regex against the label's raw text, so the surrounding
    whitespace crispy renders must be allowed too.
    """
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def confirmation_path(body: str) -> str:
    """The path of the email-confirmation link in a verification email's body."""
    match = CONFIRM_LINK.search(body)
    assert match, f"No confirmation link in the email:\n{body}"
    return match.group(1)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def current_totp(secret: str) -> str:
    """The code an authenticator app would show now.

    allauth accepts only the current period (MFA_TOTP_TOLERANCE 0), so when the
    period is about to roll over wait for the next one rather than race it.
    """
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def open_account_menu(page: Page) -> None:
    """Open the account menu (notifications, account, two-factor, your data, more, sign out);
    below 1200 px it sits inside the collapsed menu, which is opened first."""
    toggle = page.get_by_test_id("menu-button")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    menu = page.locator("[data-nav=account-menu]")
    if menu.get_attribute("aria-expanded") != "true":
        menu.click()


def go_to(page: Page, key: str) -> None:
    """Follow a navigation link by its key (data-nav), wherever the navigation put it: the
    primary links, or "More" in the account menu."""
    link = page.locator(f"#main-nav [data-nav={key}]")
    if not link.is_visible():
        toggle = page.get_by_test_id("menu-button")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    if not link.is_visible():
        open_account_menu(page)
    link.click()
    page.wait_for_load_state()


def sign_out(page: Page) -> None:
    open_account_menu(page)
    page.locator("[data-nav=sign-out]").click()
    page.wait_for_load_state()


def fill_date(page: Page, text: str, day: dt.date) -> None:
    """Type a date into the day, month and year boxes of the date input whose legend is
    `text` (crispy renders a multi-part widget as a fieldset)."""
    group = page.get_by_role("group", name=label(text))
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))
