"""A practitioner who uses only a keyboard: sign up, confirm the email, set up the portfolio,
rate a domain, write an item and submit it for review — with Tab, Shift+Tab, Enter, Space,
arrow keys and typing only (no click, no fill), and a visible focus indicator on every element
the focus lands on along the way.

"Visible" is measured, not assumed: when a page has loaded, the styles of every focusable
element are recorded while it is not focused; each time Tab lands on one, its focused style
must differ from that record (outline, box-shadow, background, colour or underline) and
include an indicator (a visible outline, a box-shadow or a background change).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMessage
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from competencies.models import Framework
from imhcpd.models import User
from tests.browser.helpers import confirmation_path, label
from tests.factories import PASSWORD, UserFactory, make_supervision

NAME = "Kit Keyboard"
EMAIL = "kit.keyboard@example.org"
MAX_TABS = 250

RECORD_UNFOCUSED = """
(() => {
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  window.__focusKey = (el) => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
            s.backgroundColor, s.color, s.textDecorationLine].join("|");
  };
  const record = () => {
    const map = new Map();
    document.querySelectorAll(FOCUSABLE).forEach((el) => {
      if (el !== document.activeElement) map.set(el, window.__focusKey(el));
    });
    window.__unfocused = map;
  };
  window.addEventListener("load", record);
  // Content swapped in later (htmx) is recorded when it arrives.
  document.addEventListener("htmx:afterSettle", record);
})();
"""

FOCUS_STATE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // Focus on the calendar button inside the browser's own date field: the browser draws
  // that ring and a page cannot style or read it.
  if (el.type === "date" && !el.matches(":focus")) return null;
  const s = getComputedStyle(el);
  const transparent = /rgba\\(\\d+, \\d+, \\d+, 0\\)|transparent/.test(s.outlineColor);
  const indicator =
    (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && !transparent) ||
    s.boxShadow !== "none" ||
    s.backgroundColor === "rgb(255, 235, 59)";
  const before = window.__unfocused ? window.__unfocused.get(el) : undefined;
  const rect = el.getBoundingClientRect();
  return {
    html: el.outerHTML.slice(0, 160),
    indicator,
    changed: before === undefined ? null : before !== window.__focusKey(el),
    onScreen: rect.bottom > 0 && rect.top < window.innerHeight && rect.width > 0,
  };
}
"""


@pytest.fixture
def keyboard_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    # A UK browser (date fields read day, month, year) that asks for no animation, so the
    # focus style read straight after a key press is the final one.
    context = browser.new_context(base_url=live_server.url, locale="en-GB", reduced_motion="reduce")
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_UNFOCUSED)
    page = context.new_page()
    yield page
    context.close()


def assert_focus_visible(page: Page) -> None:
    state = page.evaluate(FOCUS_STATE)
    if state is None:
        return
    assert state["indicator"], f"No visible focus indicator on {state['html']}"
    assert state["changed"] is not False, f"Focus looks the same as no focus on {state['html']}"
    assert state["onScreen"], f"The focused element is off screen: {state['html']}"


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, checking the focus is visible
    on everything passed on the way."""
    target.wait_for(state="attached")
    for _ in range(MAX_TABS):
        if is_focused(target):
            assert_focus_visible(page)
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert_focus_visible(page)
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def choose(page: Page, select: Locator, option: str) -> None:
    """A closed select, as a keyboard user works it: the arrow keys until the option shows."""
    tab_to(page, select)
    for _ in range(80):
        chosen = select.evaluate("el => el.options[el.selectedIndex].text.trim()")
        if chosen == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{option!r} not reached in {select}")


def choose_radio(page: Page, group: Locator, option: str) -> None:
    """Tab stops once in a radio group (on its checked radio); the arrows move and check."""
    radios = group.get_by_role("radio")
    tab_to(page, group.locator("input[type=radio]:checked").or_(radios.first).first)
    for _ in range(10):
        if group.get_by_role("radio", name=option).is_checked():
            return
        page.keyboard.press("ArrowDown")
        assert_focus_visible(page)
    raise AssertionError(f"{option!r} not reached in {group}")


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def test_sign_up_rate_write_and_submit_with_the_keyboard_alone(
    keyboard_page: Page, live_framework: Framework, mailoutbox: list[EmailMessage]
) -> None:
    page = keyboard_page
    supervisor = UserFactory(full_name="Sam Supervisor", email="sam.supervisor@example.org")

    # The first Tab reaches the skip link; from the home page to "Create an account".
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert_focus_visible(page)
    press(page, page.get_by_role("main").get_by_role("link", name="Create an account"))

    # Sign up; a mistake first: the error summary takes the focus and links to the field.
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    type_into(page, page.get_by_label(label("Full name")), NAME)
    press(page, page.get_by_role("button", name="Create account"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    press(page, summary.get_by_role("link").first)  # the first field with an error
    expect(page.get_by_label(label("Email address"))).to_be_focused()
    page.keyboard.type(EMAIL)
    type_into(page, page.get_by_label(label("Create a password")), PASSWORD)
    type_into(page, page.get_by_label(label("Confirm password")), PASSWORD)
    press(page, page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # The link from the email, typed into this browser; confirming signs in.
    page.goto(confirmation_path(mailoutbox[-1].body))
    press(page, page.get_by_role("button", name="Confirm"))
    expect(page).to_have_url(re.compile(r"/portfolio/setup/$"))

    # Set up the portfolio.
    choose(page, page.get_by_label(label("Profession")), "Health visitor")
    choose(
        page, page.get_by_label(label("Professional body")), "Nursing and Midwifery Council (NMC)"
    )
    type_into(page, page.get_by_label(label("Registration number")), "12A3456E")
    setting = "Health visiting / public health nursing"
    choose(page, page.get_by_label(label("Work setting")), setting)
    choose(page, page.get_by_label(label("Nation or region")), "England — North West")
    levels = (
        page.get_by_role("radiogroup")
        .or_(page.get_by_role("group"))
        .filter(has=page.get_by_role("radio", name=re.compile(r"^\s*Level 2")))
    )
    choose_radio(page, levels.first, re.compile(r"^\s*Level 2"))
    press(page, page.get_by_role("button", name="Create my portfolio"))
    expect(page).to_have_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio")

    # A supervisor accepted an invitation meanwhile (their side is another journey).
    make_supervision(User.objects.get(email=EMAIL).portfolio, supervisor)

    # Rate domain 1, reached from the dashboard.
    press(page, page.locator("main a[href='/portfolio/assess/1/']").first)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Assess domain 1")
    for code, rating in (("1.01", "Achieved"), ("1.02", "Working towards")):
        choose_radio(page, page.get_by_role("radiogroup", name=f"Rating for {code}"), rating)
    press(page, page.get_by_role("button", name="Save ratings"))
    expect(page.locator("[data-testid=saved-message]")).to_contain_text("Saved 2 ratings")
    expect(page.get_by_role("button", name="Save ratings")).to_be_focused()
    assert_focus_visible(page)

    # Write a reflective account, from the evidence list.
    press(page, page.locator("header a[href='/portfolio/evidence/']").first)
    press(page, page.locator("main a[href='/portfolio/evidence/new/']").first)
    press(page, page.get_by_role("link", name=re.compile(r"^\s*Reflective account")))
    expect(page.get_by_role("heading", level=1)).to_have_text("New reflective account")
    type_into(page, page.get_by_label(label("Title")), "Waiting before wondering aloud")
    # The date input: day, month and year boxes, one Tab apart.
    day = dt.date.today() - dt.timedelta(days=1)
    date = page.get_by_role("group", name=label("Date of the practice you reflect on"))
    date = date.get_by_label("Day", exact=True)
    tab_to(page, date)
    page.keyboard.type(str(day.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(day.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(day.year))
    expect(date).to_have_value(str(day.day))
    expect(page.locator("#id_date_2")).to_have_value(str(day.year))
    type_into(
        page,
        page.get_by_label(label("What happened?")),
        "At a home visit the baby turned away during a feed and the mother kept going.",
    )
    type_into(
        page,
        page.get_by_label(label("So what? What I learned")),
        "The turning away was the baby asking for a pause.",
    )
    type_into(
        page,
        page.get_by_label(label("Now what? What I will do differently")),
        "Name these moments with parents as they happen.",
    )
    choose(page, page.get_by_label(label("Competency 1")), "1.01 " + first_title(live_framework))
    type_into(
        page, page.get_by_label(label("How this shows competency 1")), "It shows 1.01 at a visit."
    )
    press(page, page.get_by_role("button", name="Save draft"))
    expect(page).to_have_url(re.compile(r"/portfolio/evidence/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting before wondering aloud")

    # Submit it for review.
    choose(page, page.get_by_label("Send to"), "Sam Supervisor (clinical supervisor)")
    press(page, page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("status")).to_contain_text("Sent to Sam Supervisor for review")
    expect(page.get_by_text(re.compile("Waiting for review by Sam Supervisor"))).to_be_visible()


def first_title(framework: Framework) -> str:
    return framework.competencies.get(code="1.01").title
