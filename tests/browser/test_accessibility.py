"""Every page each persona can reach, on a 375 px phone: no sideways scrolling, no serious or
critical WCAG 2.2 AA failure found by axe-core (run inside the page), a plain-text
`<title>` ending in " — IMH CPD", and no select offering "---------" for a choice.

The pages come from the permission matrix (tests/test_permissions.py): every GET a persona is
shown (200) is swept here, so a page added there is checked here without another list.
Downloads, the health checks and Django's own admin (staff tooling, named as not covered in
the accessibility statement) are left out. A referee, who has no account, is swept through
the link emailed to them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

from register.models import Application
from register.services import reference_request
from tests.factories import make_eligible
from tests.imhcpd.signin import sign_in
from tests.register.test_register import commit, prepare, submitted  # noqa: F401  (fixtures)
from tests.test_permissions import MATRIX, owned  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}
NOT_SWEPT = ("/admin/", "/health", "download", "/attachments/", ".json", ".zip")
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}

# The elements wider than the viewport, to say what made a page scroll sideways.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const cls = (el.className && el.className.baseVal === undefined) ? el.className : '';
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (cls ? '.' + String(cls).trim().split(/\\s+/).join('.') : ''));
      if (wide.length >= 5) break;
    }
  }
  return wide;
}"""


def pages_for(persona: str, owned_ids: dict[str, Any]) -> list[str]:
    urls = [
        url.format(**owned_ids)
        for method, url, expected in MATRIX
        if method == "GET" and expected[persona] == 200 and not any(s in url for s in NOT_SWEPT)
    ]
    return list(dict.fromkeys(urls))


def problems_on(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    page.wait_for_load_state("load")
    found = []
    if response is not None and response.status >= 500:
        found.append(f"answered {response.status}")
    if urlsplit(page.url).path != urlsplit(url).path:
        # Sent elsewhere (to sign in, to set up two-factor): the page itself went unchecked.
        found.append(f"was sent to {page.url}")
    title = page.title()
    if not title.endswith(" — IMH CPD") or re.search(r"[<>]|&lt;|&gt;", title):
        found.append(f"title {title!r}")
    if page.locator("option", has_text="---------").count():
        found.append("a select offers '---------' instead of words")
    wide = page.evaluate(OVERFLOW_JS)
    if wide:
        found.append(f"scrolls sideways at 375 px: {', '.join(wide)}")
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    for violation in violations:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"axe {violation['impact']} {violation['id']}: {'; '.join(targets)}")
    return [f"{url}: {problem}" for problem in found]


def sweep(browser: Browser, base_url: str, urls: list[str], session: str | None) -> list[str]:
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    try:
        if session:
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
            )
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems: list[str] = []
        for url in urls:
            problems.extend(problems_on(page, url))
        return problems
    finally:
        context.close()


def session_of(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    sign_in(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("persona", ["anonymous", "practitioner", "supervisor", "register_admin"])
def test_every_page_of_each_persona_fits_a_phone_and_passes_axe(  # type: ignore[no-untyped-def]
    request,
    browser: Browser,
    live_server,
    owned,  # noqa: F811  (the matrix fixture, imported above)
    persona: str,
) -> None:
    urls = pages_for(persona, owned)
    if persona == "anonymous":
        urls.append("/no-such-page/")  # the 404 page is a page too
    assert len(urls) >= 5, urls
    session = None if persona == "anonymous" else session_of(request.getfixturevalue(persona))
    problems = sweep(browser, live_server.url, urls, session)
    assert not problems, "\n".join(problems)


def test_a_referee_link_fits_a_phone_and_passes_axe(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, practitioner, supervisor, mailoutbox
) -> None:
    make_eligible(practitioner, supervisor)
    from register.services import application_start

    application: Application = application_start(user=practitioner, level=2)
    reference_request(
        application=application,
        name="Rowan Referee",
        email="rowan.referee@example.org",
        by=practitioner,
    )
    body = next(m.body for m in mailoutbox if "rowan.referee@example.org" in m.to)
    token = re.search(r"/register/references/([^/\s]+)/", body).group(1)  # type: ignore[union-attr]
    problems = sweep(browser, live_server.url, [f"/register/references/{token}/"], None)
    assert not problems, "\n".join(problems)


def test_the_register_pages_at_every_stage_fit_a_phone_and_pass_axe(  # type: ignore[no-untyped-def]
    browser: Browser,
    live_server,
    practitioner,
    register_admin,
    submitted,  # noqa: F811  (a submitted Level 2 application, from the register tests)
) -> None:
    """The matrix's application is a draft; these are the pages a submitted application and
    then an approved entry bring: the applicant's, the administrators' review and its two
    confirmation steps, and the public entry."""
    from register.services import application_approve

    admin_pages = [
        "/register/admin/",
        f"/register/admin/applications/{submitted.pk}/",
        f"/register/admin/applications/{submitted.pk}/approve/",
        f"/register/admin/applications/{submitted.pk}/reject/",
    ]
    problems = sweep(browser, live_server.url, admin_pages, session_of(register_admin))
    applicant = session_of(practitioner)
    problems += sweep(browser, live_server.url, ["/register/apply/"], applicant)
    entry = application_approve(application=submitted, admin=register_admin)
    problems += sweep(browser, live_server.url, ["/register/apply/", "/portfolio/"], applicant)
    problems += sweep(browser, live_server.url, [f"/register/entries/{entry.number}/"], None)
    assert not problems, "\n".join(problems)


def test_a_confirmer_link_its_errors_and_thanks_fit_a_phone_and_pass_axe(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, practitioner, mailoutbox
) -> None:
    """The NMC confirmer has no account: their page, the same page with every message after an
    empty submit, and the thanks page after a good one (neither of the last two is a GET)."""
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from portfolios.exports.revalidation.confirmation import confirmation_request
    from portfolios.exports.revalidation.services import settings_update
    from tests.browser.helpers import fill_date

    today = timezone.localdate()
    portfolio = settings_update(
        portfolio=practitioner.portfolio,
        by=practitioner,
        professional_body="nmc",
        revalidation_date=today + dt.timedelta(days=200),
        nmc_dual_registration=False,
    )
    confirmation_request(
        portfolio=portfolio, by=practitioner, name="Cass Confirmer", email="cass@example.org"
    )
    body = next(m.body for m in mailoutbox if "cass@example.org" in m.to)
    token = re.search(r"/revalidation/confirm/([^/\s]+)/", body).group(1)  # type: ignore[union-attr]
    url = f"/revalidation/confirm/{token}/"

    def problems_here(page: Page, state: str) -> list[str]:
        found = []
        if not page.title().endswith(" — IMH CPD"):
            found.append(f"title {page.title()!r}")
        wide = page.evaluate(OVERFLOW_JS)
        if wide:
            found.append(f"scrolls sideways at 375 px: {', '.join(wide)}")
        for violation in Axe().run(page, options=AXE_OPTIONS).response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [", ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
                found.append(f"axe {violation['impact']} {violation['id']}: {'; '.join(targets)}")
        return [f"{url} ({state}): {problem}" for problem in found]

    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems = problems_on(page, url)

        for name in ("name", "email"):
            page.locator(f"#id_{name}").fill("")
        page.get_by_role("button", name="Give my confirmation").click()
        expect(page).to_have_title(re.compile("^Error: "))
        # A message under each required box: name, role, email, address, postcode, date, tick.
        expect(page.locator(".invalid-feedback")).to_have_count(7)
        problems += problems_here(page, "every field missing")

        page.locator("#id_name").fill("Cass Confirmer")
        page.locator("#id_role").fill("Line manager")
        page.locator("#id_email").fill("cass@example.org")
        page.locator("#id_address").fill("3 Example Lane\nNorthwick")
        page.locator("#id_postcode").fill("LS1 4AP")
        fill_date(page, "Date of the confirmation discussion", today)
        page.locator("#id_confirm").check()
        page.get_by_role("button", name="Give my confirmation").click()
        expect(page.get_by_role("heading", name="Confirmation given")).to_be_visible()
        problems += problems_here(page, "thanks")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
