"""The register application for someone not yet eligible, on a 375 px phone (issue 12).

Nobody not eligible can start or submit: the register page says, level by level and in words,
what is still missing (which competencies still need a sign-off, the supervisor, the
profile) and offers no "Start" button; a draft started while eligible that is no longer so
(here, straight into the table) shows the eligibility task as not met, keeps the last task
closed, and its "Check your answers" page lists what stands in the way with no submit
button. The refusals themselves are tested against the services in tests/register.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from competencies.models import Framework
from register.models import Application
from tests.browser.helpers import go_to, sign_in
from tests.factories import PASSWORD, UserFactory, make_portfolio

PHONE = {"width": 375, "height": 800}


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_ineligible_applicant_sees_why_and_cannot_start_or_submit(
    page: Page, live_framework: Framework
) -> None:
    practitioner = UserFactory(full_name="Noor Haddad", email="noor.haddad@example.org")
    make_portfolio(practitioner, live_framework, target_level=2)
    page.set_viewport_size(PHONE)
    sign_in(page, practitioner.email, PASSWORD)

    go_to(page, "register-apply")
    expect(page.get_by_role("heading", level=1)).to_have_text("IMH Recognition Register")
    _no_sideways_scroll(page)
    level = page.get_by_role("region", name="Level 2")
    expect(level).to_contain_text("You cannot apply yet")
    # Why, in words: how many competencies and which, not a count of symbols.
    expect(level).to_contain_text(
        re.compile(r"\d+ competencies still need evidence signed off by a supervisor at Level 2")
    )
    expect(level).to_contain_text("1.01 ")
    expect(level).to_contain_text("You have no active supervisor")
    expect(level.get_by_role("link", name="Invite a supervisor")).to_be_visible()
    expect(level.get_by_test_id("why-not")).to_contain_text(
        "You can start an application at Level 2 when everything above is met."
    )
    expect(page.get_by_role("button", name=re.compile("Start an application"))).to_have_count(0)

    # A draft from when they were eligible: it can be worked on, never submitted.
    Application.objects.create(applicant=practitioner, portfolio=practitioner.portfolio, level=2)
    page.reload()
    eligibility = page.locator(".task-list__item").filter(has_text="Check your eligibility")
    expect(eligibility).to_contain_text("Not met yet")
    last = page.locator(".task-list__item").filter(has_text="Check your answers and submit")
    expect(last).to_contain_text("Cannot start yet")
    expect(last.get_by_role("link")).to_have_count(0)
    _no_sideways_scroll(page)

    eligibility.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your eligibility at Level 2")
    expect(page.get_by_test_id("checklist")).to_contain_text("Not met yet")
    _no_sideways_scroll(page)

    # Going straight to the last page: the reasons, and no way to submit.
    page.goto("/register/apply/check/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your application"
    )
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("You cannot submit yet")
    expect(problems).to_contain_text("You are not yet eligible at Level 2")
    expect(problems).to_contain_text("Agree to every declaration.")
    expect(page.get_by_role("button", name="Submit my application")).to_have_count(0)
    _no_sideways_scroll(page)
