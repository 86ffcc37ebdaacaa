"""Issue 13: a nurse on a phone, with JavaScript off, switches a reflective account from
Rolfe to the NMC form without losing a word, ticks the Code's themes and saves; the item's
page asks the NMC's questions. All text is invented."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import Browser, expect

from competencies.models import Framework
from portfolios.evidence_kinds import REFLECTION_TEMPLATES
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import fill_date, label, sign_in
from tests.factories import PASSWORD, UserFactory, make_portfolio

WHAT = "A mother at the weighing clinic asked me why her baby looks away."
SO_WHAT = "I learned to explain a baby's cues before giving advice."
NOW_WHAT = "I now show parents the cue together, then wait."
NMC = {f.name: f.label for f in REFLECTION_TEMPLATES["nmc"].details}


def test_a_nurse_switches_rolfe_to_the_nmc_form_without_javascript(
    browser: Browser, browser_context_args: dict[str, Any], live_framework: Framework
) -> None:
    nurse = UserFactory(full_name="Nia Nurse")
    make_portfolio(nurse, live_framework)
    context = browser.new_context(
        **browser_context_args,
        java_script_enabled=False,
        viewport={"width": 375, "height": 740},
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, nurse.email, PASSWORD)
        page.goto("/portfolio/evidence/new/reflective_account/")
        expect(page.get_by_label("Rolfe: What? So what? Now what?")).to_be_checked()
        page.get_by_label(label("Title")).fill("Baby cues at clinic")
        fill_date(page, "Date of the practice you reflect on", dt.date.today())
        page.get_by_label(label("What happened?")).fill(WHAT)
        page.get_by_label(label("So what? What I learned")).fill(SO_WHAT)
        page.get_by_label(label("Now what? What I will do differently")).fill(NOW_WHAT)

        page.get_by_label("NMC reflective account form").check()
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Change template").click()

        assert answer.value.status == 200  # re-drawn, not saved
        expect(page.get_by_test_id("template-switched")).to_contain_text(
            "Now using NMC reflective account form"
        )
        expect(page.get_by_label("NMC reflective account form")).to_be_checked()
        expect(page.get_by_label(label("Title"))).to_have_value("Baby cues at clinic")
        expect(page.get_by_label(label(NMC["what_happened"]))).to_have_value(WHAT)
        expect(page.get_by_label(label(NMC["so_what"]))).to_have_value(SO_WHAT)
        expect(page.get_by_label(label(NMC["now_what"]))).to_have_value(NOW_WHAT)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # Enter in a line saves (the form's first button), it does not switch again.
        page.get_by_label(label("Title")).press("Enter")
        expect(page.get_by_role("alert").first).to_contain_text(
            "Select at least one theme of the Code."
        )
        page.get_by_label("Prioritise people").check()
        page.get_by_label("Preserve safety").check()
        page.get_by_label(label(NMC["code_relevance"])).fill("I listen before I advise.")
        page.get_by_role("button", name="Save draft").click()

        expect(page).to_have_url(re.compile(r"/portfolio/evidence/\d+/$"))
        expect(page.get_by_test_id("reflection-template")).to_have_text(
            "Written with NMC reflective account form"
        )
        for question in (NMC["what_happened"], NMC["code_relevance"]):
            expect(page.get_by_role("heading", name=question)).to_be_visible()
        expect(page.get_by_text(WHAT)).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text="Preserve safety")).to_have_count(1)
    finally:
        context.close()
