"""A new practitioner builds a portfolio: set-up, self-assessment, a reflection, evidence.

The journey from the issue: sign up → set up portfolio → rate a domain → write a
reflective account that trips the confidentiality check → fix it → attach a PDF →
link two competencies → the dashboard shows the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.core.mail import EmailMessage
from playwright.sync_api import Browser, Locator, Page, expect

from competencies.models import Competency, Framework
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import confirmation_path, fill_date, label, sign_in
from tests.factories import PASSWORD, UserFactory, make_portfolio, make_returned, pdf_bytes

NAME = "Jo Example"
EMAIL = "jo@example.org"
# A made-up number that passes the NHS modulus-11 check, so the scan must flag it.
NHS_NUMBER = "943 476 5919"
WITH_NUMBER = f"On a home visit a mother (NHS number {NHS_NUMBER}) fed her baby as we talked."
WITHOUT_NUMBER = "On a home visit a mother fed her baby as we talked."


def _competency_label(framework: Framework, code: str) -> str:
    """The text of a competency's option in the evidence form's link selects."""
    return f"{code} {Competency.objects.get(framework=framework, code=code).title}"


def _sign_up_and_verify(page: Page, mailoutbox: list[EmailMessage]) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label(label("Full name")).fill(NAME)
    page.get_by_label(label("Email address")).fill(EMAIL)
    page.get_by_label(label("Create a password")).fill(PASSWORD)
    page.get_by_label(label("Confirm password")).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert [m.to for m in mailoutbox] == [[EMAIL]]

    page.goto(confirmation_path(mailoutbox[-1].body))
    page.get_by_role("button", name="Confirm").click()
    # Confirming in the same browser signs the person in.
    expect(page.get_by_role("status")).to_contain_text(f"You have confirmed {EMAIL}")


def _set_up_portfolio(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/portfolio/setup/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your portfolio")
    page.get_by_label(label("Profession")).select_option(label="Health visitor")
    page.get_by_label(label("Professional body")).select_option(
        label="Nursing and Midwifery Council (NMC)"
    )
    registration = page.get_by_label(label("Registration number"))
    registration.fill("1234")
    page.get_by_label(label("Work setting")).select_option(
        label="Health visiting / public health nursing"
    )
    page.get_by_label(label("Nation or region")).select_option(label="England — North West")
    level_2 = page.get_by_role("radio", name=re.compile(r"^\s*Level 2:"))
    level_2.check()

    # An invalid PIN: the form comes back (status 400) saying what a PIN looks like.
    create = page.get_by_role("button", name="Create my portfolio")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/portfolio/setup/")
    ) as answer:
        create.click()
    assert answer.value.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your portfolio")
    expect(page.locator(".invalid-feedback")).to_have_text(
        "That is not a valid NMC PIN: it should look like 12A3456E."
    )
    # Everything else was kept.
    expect(page.get_by_label(label("Profession"))).to_have_value("health_visitor")
    expect(page.get_by_label(label("Nation or region"))).to_have_value("england_north_west")
    expect(level_2).to_be_checked()

    registration.fill("12A3456E")
    create.click()
    expect(page).to_have_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    expect(page.get_by_role("status")).to_contain_text("Your portfolio is ready.")
    expect(page.get_by_text("Health visitor · working towards Level 2")).to_be_visible()


def _rating(page: Page, code: str, choice: str) -> Locator:
    return page.get_by_role("radiogroup", name=f"Rating for {code}").get_by_label(choice)


def _rate_domain_1(page: Page) -> None:
    progress = page.get_by_role("region", name="Progress by domain")
    progress.get_by_role("link", name="1. Relationship-based practice").click()
    expect(page).to_have_url(re.compile(r"/portfolio/assess/1/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Assess domain 1: Relationship-based practice"
    )
    # Nothing rated yet.
    expect(_rating(page, "1.01", "Not yet assessed")).to_be_checked()

    _rating(page, "1.01", "Achieved").check()
    _rating(page, "1.02", "Achieved").check()
    _rating(page, "1.03", "Working towards").check()

    # htmx saves in place: a value set on the window survives, a reload would lose it.
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Save ratings").click()
    expect(page.locator("[data-testid=saved-message]")).to_have_text("Saved 3 ratings.")
    # The message arrives in the live region that was already on the page, and the
    # keyboard user stays on the button they pressed.
    expect(page.locator("#save-status[role=status] [data-testid=saved-message]")).to_have_count(1)
    expect(page.get_by_role("button", name="Save ratings")).to_be_focused()
    assert page.evaluate("window.__marker") == 1
    expect(_rating(page, "1.01", "Achieved")).to_be_checked()

    page.reload()
    expect(page.locator("[data-testid=saved-message]")).to_have_count(0)
    expect(_rating(page, "1.01", "Achieved")).to_be_checked()
    expect(_rating(page, "1.02", "Achieved")).to_be_checked()
    expect(_rating(page, "1.03", "Working towards")).to_be_checked()
    expect(_rating(page, "1.04", "Not yet assessed")).to_be_checked()


def _write_reflection(page: Page, framework: Framework) -> None:
    page.get_by_role("link", name="Portfolio", exact=True).click()
    page.get_by_role("link", name="Add evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    page.get_by_role("link", name=re.compile(r"^\s*Reflective account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New reflective account")

    page.get_by_label(label("Title")).fill("Watching a feed together")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    fill_date(page, "Date of the practice you reflect on", yesterday)
    what_happened = page.get_by_label(label("What happened?"))
    what_happened.fill(WITH_NUMBER)
    page.get_by_label(label("So what? What I learned")).fill(
        "The baby turned away when overwhelmed and the mother paused to let her settle."
    )
    page.get_by_label(label("Now what? What I will do differently")).fill(
        "Name these moments of attunement with parents as they happen."
    )
    rows = page.locator(".link-row")
    for index, code in enumerate(("1.01", "1.02")):
        row = rows.nth(index)
        row.get_by_label(label(f"Competency {index + 1}")).select_option(
            label=_competency_label(framework, code)
        )
        row.get_by_label(label(f"How this shows competency {index + 1}")).fill(
            f"It shows {code} at a home visit."
        )

    # The NHS number is caught, highlighted, and nothing is saved yet.
    page.get_by_role("button", name="Save draft").click()
    alert = page.locator("[data-testid=confidentiality-alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("1 possible identifier: NHS number")
    expect(alert.locator("mark.confidentiality-match")).to_have_text(NHS_NUMBER)
    expect(page).to_have_url(re.compile(r"/portfolio/evidence/new/reflective_account/$"))

    # The form kept what was typed; take the number out and save again.
    expect(what_happened).to_have_value(WITH_NUMBER)
    expect(rows.nth(1).get_by_label(label("Competency 2"))).to_have_value(
        str(Competency.objects.get(framework=framework, code="1.02").pk)
    )
    what_happened.fill(WITHOUT_NUMBER)
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(r"/portfolio/evidence/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Evidence saved as a draft.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Watching a feed together")
    expect(page.locator("h1 + p")).to_have_text(
        f"Reflective account · {yesterday:%-d %B %Y} · revision 1 · Draft"
    )
    competencies = page.get_by_role("list").filter(has_text="It shows 1.01")
    expect(competencies.get_by_role("listitem")).to_contain_text(
        [
            f"{_competency_label(framework, '1.01')}: It shows 1.01 at a home visit.",
            f"{_competency_label(framework, '1.02')}: It shows 1.02 at a home visit.",
        ]
    )
    # Each link says whether it counts towards "signed off" yet, and why.
    expect(competencies.get_by_test_id("link-verdict")).to_have_text(
        ["Does not count yet A draft; submit it to your supervisor for review."] * 2
    )
    expect(page.get_by_text(NHS_NUMBER)).to_have_count(0)


def _attach_pdf(page: Page) -> None:
    pdf = pdf_bytes()
    page.get_by_label(label("Attach a file")).set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("Attached certificate.pdf.")
    attachments = page.locator("section").filter(
        has=page.get_by_role("heading", name="Attachments")
    )
    expect(attachments.get_by_role("link", name="certificate.pdf")).to_be_visible()
    # The hash is for the verify page and the PDF's appendix, not the practitioner's page.
    expect(attachments).not_to_contain_text("SHA-256")
    expect(attachments).not_to_contain_text(hashlib.sha256(pdf).hexdigest())


def _dashboard_shows_the_change(page: Page) -> None:
    page.locator("[data-nav=dashboard]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")
    expect(page.locator("[data-testid=count-evidenced]")).to_have_text("2")
    expect(page.locator("[data-testid=domain-progress-1]")).to_contain_text(
        "0 of 10 signed off · 2 evidenced"
    )
    gap_codes = page.locator(".gap-list .competency-code")
    expect(gap_codes.first).to_have_text("1.03")
    codes = gap_codes.all_inner_texts()
    assert "1.01" not in codes
    assert "1.02" not in codes
    expect(page.get_by_role("region", name="Recent evidence")).to_contain_text(
        "Watching a feed together Reflective account · Draft"
    )

    page.get_by_role("link", name="Competency matrix").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency matrix")
    expect(page.locator("[data-code='1.01']")).to_have_attribute("data-status", "evidenced")
    expect(page.locator("[data-code='1.02']")).to_have_attribute("data-status", "evidenced")
    expect(page.locator("[data-code='1.03']")).to_have_attribute("data-status", "working_towards")
    expect(page.locator("[data-code='1.04']")).to_have_attribute("data-status", "not_started")


def test_sign_up_set_up_rate_reflect_attach_and_see_progress(
    page: Page, live_framework: Framework, mailoutbox: list[EmailMessage]
) -> None:
    _sign_up_and_verify(page, mailoutbox)
    _set_up_portfolio(page)
    _rate_domain_1(page)
    _write_reflection(page, live_framework)
    _attach_pdf(page)
    _dashboard_shows_the_change(page)


def test_rating_a_domain_works_without_javascript(
    browser: Browser, browser_context_args: dict[str, Any], live_framework: Framework
) -> None:
    user = UserFactory()
    make_portfolio(user, live_framework)
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, user.email, PASSWORD)
        page.goto("/portfolio/assess/1/")
        _rating(page, "1.01", "Achieved").check()

        # Without htmx the button submits the form: a POST, a redirect, a fresh page.
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Save ratings").click()
        assert answer.value.status == 302
        assert answer.value.headers["location"] == "/portfolio/assess/1/"
        expect(page).to_have_url(re.compile(r"/portfolio/assess/1/$"))
        expect(page.locator(".messages")).to_have_text("Saved 1 rating.")
        expect(page.locator("[data-testid=saved-message]")).to_have_count(0)
        expect(_rating(page, "1.01", "Achieved")).to_be_checked()
        expect(_rating(page, "1.02", "Not yet assessed")).to_be_checked()
    finally:
        context.close()


FEEDBACK = "Say what you will do differently at the next feed, and link 1.02 as well."


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_returned_item_is_edited_with_the_feedback_in_view(
    page: Page, live_framework: Framework
) -> None:
    practitioner = UserFactory(full_name="Pat Practitioner")
    make_portfolio(practitioner, live_framework)
    supervisor = UserFactory(full_name="Sam Supervisor")
    evidence = make_returned(practitioner, supervisor, FEEDBACK, title="Watching a feed")

    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, practitioner.email, PASSWORD)
    page.goto(f"/portfolio/evidence/{evidence.pk}/")
    expect(page.get_by_test_id("review-feedback")).to_have_text(FEEDBACK)
    page.get_by_role("link", name="Edit (new revision)").click()

    # On a phone the feedback comes first, above the form it is answered in.
    expect(page).to_have_url(re.compile(rf"/portfolio/evidence/{evidence.pk}/edit/$"))
    feedback = page.get_by_role("complementary", name="Your supervisor’s feedback")
    expect(feedback.get_by_test_id("edit-feedback-text")).to_have_text(FEEDBACK)
    expect(feedback).to_contain_text("Revision 1 returned by Sam Supervisor")
    now_what = page.get_by_label(label("Now what? What I will do differently"))
    assert feedback.bounding_box()["y"] < now_what.bounding_box()["y"]
    _no_sideways_scroll(page)

    # On a laptop it sits beside the form, level with the fields being changed.
    page.set_viewport_size({"width": 1280, "height": 800})
    now_what.scroll_into_view_if_needed()
    box, field = feedback.bounding_box(), now_what.bounding_box()
    assert box["x"] > field["x"] + field["width"] - 1  # to the right of the form
    now_what.fill("At the next feed I will wait, then wonder aloud with the mother.")
    # Further down the form the feedback is still on screen.
    page.get_by_label(label("How this shows competency 1")).scroll_into_view_if_needed()
    expect(feedback.get_by_test_id("edit-feedback-text")).to_be_in_viewport()
    # The save bar stays in view wherever the person is in the form.
    expect(page.get_by_role("button", name="Save draft")).to_be_in_viewport()
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(rf"/portfolio/evidence/{evidence.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Saved revision 2.")
    # The draft being written is still the answer to that feedback: it stays in view.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("complementary", name="Your supervisor’s feedback")).to_contain_text(
        FEEDBACK
    )


def test_the_goal_picker_filters_by_code_or_words(page: Page, live_framework: Framework) -> None:
    practitioner = UserFactory()
    make_portfolio(practitioner, live_framework)
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, practitioner.email, PASSWORD)
    page.goto("/portfolio/plan/new/")

    boxes = page.get_by_role("group", name=re.compile("Competencies this goal develops"))
    title_304 = _competency_label(live_framework, "3.04")
    page.get_by_label("Find a competency").fill("3.04")
    expect(boxes.get_by_role("checkbox", name=title_304)).to_be_visible()
    expect(boxes.locator("[data-picker-option]:visible")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="shown")).to_have_text("1 competency shown")
    boxes.get_by_role("checkbox", name=title_304).check()
    page.get_by_label("Find a competency").fill("")
    expect(boxes.locator("[data-picker-option]:visible")).to_have_count(63)
    _no_sideways_scroll(page)

    page.get_by_label(label("Goal")).fill("Learn more about 3.04")
    page.get_by_role("button", name="Save goal").click()
    expect(page).to_have_url(re.compile(r"/portfolio/plan/$"))
    expect(page.get_by_test_id("goal")).to_contain_text("3.04")


def test_save_and_go_to_the_next_domain(page: Page, live_framework: Framework) -> None:
    practitioner = UserFactory()
    make_portfolio(practitioner, live_framework)
    last = live_framework.domains.order_by("number").last().number
    sign_in(page, practitioner.email, PASSWORD)
    page.goto(f"/portfolio/assess/{last - 1}/")
    first = live_framework.domains.get(number=last - 1).competencies.order_by("order").first()
    _rating(page, first.code, "Working towards").check()

    # htmx posts the form with the button pressed; the answer sends the whole page on.
    page.get_by_role("button", name="Save and go to the next domain").click()
    expect(page).to_have_url(re.compile(rf"/portfolio/assess/{last}/$"))
    expect(page.get_by_role("status").first).to_contain_text(f"Domain {last - 1}: saved 1 rating.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Assess domain {last}")

    # The last domain has no next one: the button says where it goes instead.
    page.get_by_role("button", name="Save and see all your ratings").click()
    expect(page).to_have_url(re.compile(r"/portfolio/matrix/$"))
    expect(page.locator(f"[data-code='{first.code}']")).to_have_attribute(
        "data-status", "working_towards"
    )


def test_tabbing_through_a_form_never_hides_the_field_behind_the_save_bar(
    page: Page, live_framework: Framework
) -> None:
    practitioner = UserFactory()
    make_portfolio(practitioner, live_framework)
    page.set_viewport_size({"width": 375, "height": 667})
    page.emulate_media(reduced_motion="reduce")  # no smooth scrolling: measure where it stops
    sign_in(page, practitioner.email, PASSWORD)
    page.goto("/portfolio/evidence/new/reflective_account/")
    page.get_by_label(label("Title")).focus()
    bar = page.locator(".sticky-actions")
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const r = document.activeElement.getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, inBar:"
            " !!document.activeElement.closest('.sticky-actions')}; }"
        )
        if focused["inBar"]:
            break
        # WCAG 2.2 AA (2.4.11): the focused field is never entirely behind the bar.
        assert focused["top"] < bar.bounding_box()["y"], focused
    else:
        raise AssertionError("Tab never reached the save bar")
