"""The "Get started" list ticks through as a new practitioner goes: set up → rate the domains
→ first reflective account → invite a supervisor → first sign-off → export or apply, then it
folds away. The slow steps (writing an item, the supervisor's side, the PDF) go through the
factories, the same services the pages call; the list is read from the page each time.

Then the progress pages at 375 px: no sideways scroll, the chart's table alternative, the
matrix titles, the revalidation bars.
"""

from __future__ import annotations

import datetime as dt
import os
import re

from axe_playwright_python.sync_playwright import Axe
from django.core.mail import EmailMessage
from playwright.sync_api import Locator, Page, expect

from competencies.models import Competency, Framework
from portfolios.models import Rating
from portfolios.services import RatingInput, self_assessment_record
from portfolios.supervision.models import Supervision
from portfolios.supervision.services import evidence_submit, review_sign_off, supervision_accept
from tests.browser.helpers import label, sign_in
from tests.factories import PASSWORD, UserFactory, make_evidence, make_export

TASKS = [
    "Set up your portfolio",
    "Rate yourself in all 7 domains",
    "Write your first reflective account",
    "Invite a supervisor",
    "Get your first sign-off",
    "Export your portfolio or apply to the register",
]


def _task(page: Page, title: str) -> Locator:
    return page.locator(".task-list__item").filter(has_text=title)


def _expect_states(page: Page, *states: str) -> None:
    """The status words of the six rows, in order."""
    for title, words in zip(TASKS, states, strict=True):
        expect(_task(page, title).locator(".task-list__status")).to_have_text(words)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"
    # IMHCPD_SCREENSHOTS=<dir> keeps a full-page picture of each page, to look at.
    folder = os.environ.get("IMHCPD_SCREENSHOTS")
    if folder:
        name = page.url.rstrip("/").rsplit("/", 1)[-1] or "home"
        width = page.viewport_size["width"]
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


def _no_serious_axe_violation(page: Page) -> None:
    """Run with the folded parts open, so what they hold (the key, the table) is checked."""
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    serious = [
        f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page.url}: {serious}"


def _set_up(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/portfolio/setup/$"))
    page.get_by_label(label("Profession")).select_option(label="Health visitor")
    page.get_by_label(label("Professional body")).select_option(
        label="Nursing and Midwifery Council (NMC)"
    )
    page.get_by_label(label("Registration number")).fill("12A3456E")
    page.get_by_label(label("Work setting")).select_option(
        label="Health visiting / public health nursing"
    )
    page.get_by_label(label("Nation or region")).select_option(label="England — North West")
    page.get_by_role("radio", name=re.compile(r"^\s*Level 2:")).check()
    page.get_by_role("button", name="Create my portfolio").click()
    expect(page).to_have_url(re.compile(r"/portfolio/$"))


def test_onboarding_list_ticks_through(
    page: Page, live_framework: Framework, mailoutbox: list[EmailMessage]
) -> None:
    user = UserFactory(email="new@example.org", full_name="Nia New")
    supervisor = UserFactory(email="sup@example.org", full_name="Sol Supervisor")
    sign_in(page, user.email, PASSWORD)
    _set_up(page)

    onboarding = page.get_by_test_id("onboarding")
    expect(onboarding).to_have_attribute("open", "")
    expect(page.get_by_test_id("onboarding-count")).to_have_text("1 of 6 done")
    _expect_states(page, "Completed", *["Not yet started"] * 5)
    expect(page.get_by_test_id("headline")).to_have_text("Signed off 0 of 63 at Level 2")

    # Rate the first domain through the page the task links to.
    _task(page, TASKS[1]).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/portfolio/assess/1/$"))
    for radio in page.get_by_role("radio", name="Working towards").all():
        radio.check()
    page.get_by_role("button", name="Save ratings").click()
    expect(page.locator("[data-testid=saved-message]")).to_contain_text("Saved 10 ratings.")
    page.goto("/portfolio/")
    _expect_states(page, "Completed", "In progress", *["Not yet started"] * 4)
    expect(_task(page, TASKS[1])).to_contain_text("1 of 7 domains rated")
    # The row now leads to the next domain still to rate.
    expect(_task(page, TASKS[1]).get_by_role("link")).to_have_attribute(
        "href", "/portfolio/assess/2/"
    )

    # The other six domains and a first reflective account, through the services.
    portfolio = user.portfolio
    self_assessment_record(
        portfolio=portfolio,
        ratings=[
            RatingInput(competency=c, rating=Rating.ACHIEVED)
            for c in Competency.objects.filter(framework=live_framework, domain__number__gt=1)
        ],
    )
    evidence = make_evidence(portfolio, codes=("2.01",), title="A first reflection")
    page.reload()
    _expect_states(page, "Completed", "Completed", "Completed", *["Not yet started"] * 3)

    # Invite a supervisor through the page the task links to.
    _task(page, TASKS[3]).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/supervision/supervisors/$"))
    page.get_by_label(label("Supervisor's name")).fill(supervisor.full_name)
    page.get_by_label(label("Supervisor's email")).fill(supervisor.email)
    page.get_by_label("Clinical supervisor").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.goto("/portfolio/")
    expect(page.get_by_test_id("onboarding-count")).to_have_text("3 of 6 done")
    expect(_task(page, TASKS[3]).locator(".task-list__status")).to_have_text("In progress")

    # The supervisor accepts; the item is submitted, then signed off.
    supervision = supervision_accept(
        supervision=Supervision.objects.get(portfolio=portfolio), user=supervisor
    )
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=user)
    page.reload()
    _expect_states(
        page, "Completed", "Completed", "Completed", "Completed", "In progress", "Not yet started"
    )
    review_sign_off(revision=revision, by=supervisor, declared=True)
    page.reload()
    expect(page.get_by_test_id("headline")).to_have_text("Signed off 1 of 63 at Level 2")
    expect(_task(page, TASKS[4]).locator(".task-list__status")).to_have_text("Completed")

    # A PDF: everything done, and the list folds away (still there, closed).
    make_export(user)
    page.reload()
    expect(page.get_by_test_id("onboarding-count")).to_have_text("6 of 6 done — all done")
    expect(onboarding).not_to_have_attribute("open", "")
    expect(page.locator(".task-list")).to_be_hidden()
    onboarding.locator("summary").click()
    _expect_states(page, *["Completed"] * 6)


def test_progress_pages_fit_a_phone(page: Page, live_framework: Framework) -> None:
    from tests.factories import make_portfolio
    from tests.revalidation.helpers import set_body

    user = UserFactory(email="phone@example.org", full_name="Pho Ne")
    make_portfolio(user, live_framework)
    set_body(user, "nmc", dt.date.today() + dt.timedelta(days=200))
    make_evidence(user.portfolio, codes=("1.01", "1.02"))
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, user.email, PASSWORD)
    page.goto("/portfolio/")
    expect(page.get_by_test_id("headline")).to_have_text("Signed off 0 of 63 at Level 2")
    _no_sideways_scroll(page)

    chart = page.get_by_role("img", name=re.compile("signed off and rated achieved"))
    expect(chart).to_be_visible()
    page.get_by_text("Show the numbers as a table").click()
    expect(page.get_by_test_id("chart-table").locator("tbody tr")).to_have_count(12)
    page.get_by_text("What the statuses mean").first.click()
    expect(page.get_by_test_id("status-key").first).to_contain_text(
        "does not count for the register until a supervisor signs it off"
    )
    _no_sideways_scroll(page)
    _no_serious_axe_violation(page)

    page.goto("/portfolio/matrix/")
    title = Competency.objects.get(framework=live_framework, code="1.01").title
    expect(page.locator("[data-code='1.01']")).to_contain_text(title)
    _no_sideways_scroll(page)
    _no_serious_axe_violation(page)

    page.goto("/portfolio/competencies/1.01/")
    expect(page.get_by_test_id("verdict-reason")).to_have_text(
        "A draft; submit it to your supervisor for review."
    )
    _no_sideways_scroll(page)
    _no_serious_axe_violation(page)

    page.goto("/portfolio/revalidation/")
    expect(page.get_by_role("progressbar", name="CPD hours", exact=True)).to_have_attribute(
        "aria-valuenow", "0"
    )
    _no_sideways_scroll(page)
    _no_serious_axe_violation(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    for url in ("/portfolio/", "/portfolio/matrix/", "/portfolio/revalidation/"):
        page.goto(url)
        _no_sideways_scroll(page)
