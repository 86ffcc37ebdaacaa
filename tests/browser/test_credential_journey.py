"""An approved registrant downloads their credential; someone else, signed out, checks it.

Issue 14's journey in Chromium: the registrant opens their register page, downloads the
signed credential (JWT) and the baked badge image; a verifier with no account pastes the
JWT into the public checker and reads "Genuine credential", the level and the date it is
valid until, then uploads the badge image and reads the same. The result page fits a phone
and passes axe.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from competencies.models import Framework
from register.credentials.services import credential_issue
from register.models import RegisterEntry
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, OVERFLOW_JS
from tests.factories import PASSWORD, UserFactory, make_portfolio

EMAIL = "jo.marchetti@example.org"
PHONE = {"width": 375, "height": 812}


def _registrant(framework: Framework) -> RegisterEntry:
    user = UserFactory(email=EMAIL, full_name="Jo Marchetti")
    portfolio = make_portfolio(user, framework)
    today = dt.date.today()
    entry = RegisterEntry.objects.create(
        number=f"IMHRR-{today.year}-000042",
        user=user,
        name="Jo Marchetti",
        level=2,
        region=portfolio.region,
        region_label=portfolio.get_region_display(),
        valid_from=today,
        valid_to=today + dt.timedelta(days=365),
    )
    credential_issue(entry=entry, reason="approved", by=None)
    return entry


def _download(page: Page, link: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def _expect_genuine(page: Page, entry: RegisterEntry) -> None:
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("Genuine credential")
    expect(result).to_contain_text(f"Level 2, valid until {entry.valid_to:%-d %B %Y}")
    summary = page.get_by_test_id("verify-summary")
    expect(summary).to_contain_text(entry.number)
    expect(summary).to_contain_text("Not revoked")


def test_registrant_downloads_and_a_stranger_checks_it(  # type: ignore[no-untyped-def]
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_framework: Framework,
    tmp_path: Path,
) -> None:
    entry = _registrant(live_framework)
    sign_in(page, EMAIL, PASSWORD)
    page.goto("/register/apply/")
    section = page.get_by_test_id("credential")
    expect(section).to_contain_text("Your digital credential")
    jwt_file = _download(page, "Download the signed credential (JWT)", tmp_path)
    png_file = _download(page, re.compile("Download the badge image"), tmp_path)
    token = jwt_file.read_text()
    assert token.count(".") == 2

    # Another person at another computer, with no account.
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    try:
        stranger = context.new_page()
        stranger.goto("/register/credentials/verify/")
        expect(stranger.get_by_role("heading", level=1)).to_have_text("Check a register credential")
        stranger.get_by_label(re.compile("Paste the credential")).fill(token)
        stranger.get_by_role("button", name="Check the credential").click()
        _expect_genuine(stranger, entry)
        assert stranger.evaluate(OVERFLOW_JS) == []
        violations = Axe().run(stranger, options=AXE_OPTIONS).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in BLOCKING] == []

        stranger.get_by_role("link", name="Check another credential").click()
        stranger.get_by_label(re.compile("choose a credential file")).set_input_files(png_file)
        stranger.get_by_role("button", name="Check the credential").click()
        _expect_genuine(stranger, entry)
    finally:
        context.close()
