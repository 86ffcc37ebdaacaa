"""A lead creates a PAIR team, invites three members by email, each accepts in a browser of
their own and agrees to share a summary; the lead watches readiness move as a member's
sign-offs land, and downloads the team report as CSV and as PDF.

The people and their portfolios come from the factories, and the sign-offs from the
supervision services (signing off is the supervision journey's subject); everything about the
team goes through the browsers.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from competencies.models import Framework
from portfolios.exports import tasks, worker
from portfolios.exports.models import PortfolioExport
from portfolios.teams.models import Service, TeamStandard
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import label, sign_in
from tests.factories import PASSWORD, UserFactory, make_portfolio
from tests.teams.test_summary import sign_off_all

pytestmark = pytest.mark.django_db(transaction=True)

LEAD = ("Lena Lead", "lena.lead@example.org")
MEMBERS = [
    # name, email, role as the radio reads, target level
    ("Ada Senior", "ada.senior@example.org", "Senior clinician", 3),
    ("Ben Senior", "ben.senior@example.org", "Senior clinician", 3),
    ("Cal Specialist", "cal.specialist@example.org", "Parent-infant specialist", 2),
]
SERVICE = "Harbourside PAIR team"
INVITATION_LINK = re.compile(r"https?://\S+?(/teams/invitations/[^/\s]+/)")


def _link_in(mailoutbox: list[EmailMessage], address: str) -> str:
    (message,) = [m for m in mailoutbox if m.to == [address]]
    match = INVITATION_LINK.search(message.body)
    assert match, message.body
    assert match.group(0).startswith(f"{settings.SITE_URL}/")
    return match.group(1)


def _create_and_invite(page: Page, mailoutbox: list[EmailMessage]) -> Service:
    page.goto("/teams/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a service")
    page.get_by_label(label("Name of the service")).fill(SERVICE)
    page.get_by_role("radio", name=re.compile(r"^PAIR team")).check()
    page.get_by_label(label("Nation or region")).select_option(label="Wales")
    page.get_by_role("button", name="Create the service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Members of {SERVICE}")
    for name, email, role, _ in MEMBERS:
        page.get_by_label(label("Their name")).fill(name)
        page.get_by_label(label("Their email address")).fill(email)
        page.get_by_label(re.compile(r"^\s*Role in the team")).select_option(label=role)
        page.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_test_id("invitations")).to_contain_text(email)
    expect(page.get_by_test_id("invitation")).to_have_count(3)
    return Service.objects.get(name=SERVICE)


def _accept(
    browser: Browser, context_args: dict[str, Any], link: str, member: tuple[str, str, str, int]
) -> None:
    """The member, in a browser of their own, signs in from the link and joins, sharing."""
    _name, email, role, level = member
    context = browser.new_context(**context_args)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {SERVICE}")
        page.get_by_role("main").get_by_role("link", name="Sign in").click()
        page.get_by_label(label("Email address")).fill(email)
        page.get_by_label(label("Password")).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {SERVICE}")
        page.get_by_role("radio", name=role, exact=True).check()
        page.get_by_label(label("Whole-time equivalent (WTE)")).fill("0.8")
        page.get_by_role("radio", name=f"Level {level}", exact=True).check()
        page.get_by_label(label("I agree to share this summary with the service's leads")).check()
        page.get_by_role("button", name="Join the team").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text(f"Join {SERVICE}")
    finally:
        context.close()


def _readiness(page: Page) -> list[str]:
    return [
        " ".join(t.split())
        for t in page.get_by_test_id("readiness-results").locator("li").all_inner_texts()
    ]


@pytest.fixture
def shipped_standards(transactional_db: None) -> None:
    """The standards a data migration ships: an earlier browser test's flush of every table
    took them, so they are shipped again the way the migration does."""
    if not TeamStandard.objects.filter(kind="pair").exists():
        import_module("portfolios.teams.migrations.0002_shipped_standards").ship(apps, None)


def test_lead_builds_a_pair_team_and_downloads_its_report(  # type: ignore[no-untyped-def]
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_framework: Framework,
    shipped_standards: None,
    mailoutbox: list[EmailMessage],
    supervisor,
    monkeypatch,
    tmp_path,
) -> None:
    lead = UserFactory(full_name=LEAD[0], email=LEAD[1])
    make_portfolio(lead, live_framework, target_level=3)
    users = {}
    for name, email, _, level in MEMBERS:
        users[name] = UserFactory(full_name=name, email=email)
        make_portfolio(users[name], live_framework, target_level=level)

    sign_in(page, LEAD[1], PASSWORD)
    service = _create_and_invite(page, mailoutbox)
    for member in MEMBERS:
        _accept(browser, browser_context_args, _link_in(mailoutbox, member[1]), member)

    page.reload()
    members = page.get_by_test_id("member")
    expect(members).to_have_count(4)  # the lead and three members
    page.get_by_role("link", name="See the team against its standard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERVICE)
    expect(page.get_by_test_id("member-row")).to_have_count(3)
    expect(page.get_by_test_id("readiness")).to_contain_text("Not met")
    assert _readiness(page)[:2] == [
        "Not met 0 of 3 clinicians at Level 2 The standard: every clinician at Level 2.",
        "Not met No senior clinician at Level 3 yet The standard: at least 2 senior "
        "clinicians at Level 3.",
    ]

    # Ada's supervisor signs off every competency at Level 3: readiness moves on reload.
    sign_off_all(users["Ada Senior"], supervisor, 3)
    page.reload()
    results = _readiness(page)
    assert results[0].startswith("Not met 1 of 3 clinicians at Level 2")
    assert results[1].startswith("Not met 1 of 2 senior clinicians at Level 3")
    row = page.get_by_test_id("member-row").filter(has_text="Ada Senior")
    expect(row.locator('td[data-label="Level achieved"]')).to_have_text("Level 3")
    expect(page.get_by_test_id("heatmap")).to_contain_text("Ada Senior")

    # Then Ben's and Cal's: both senior clinicians at Level 3, every clinician at Level 2.
    sign_off_all(users["Ben Senior"], supervisor, 3)
    sign_off_all(users["Cal Specialist"], supervisor, 2)
    page.reload()
    results = _readiness(page)
    assert results[0].startswith("Met 3 of 3 clinicians at Level 2")
    assert results[1].startswith("Met 2 of 2 senior clinicians at Level 3")
    # The lead shares nothing yet (leads choose on their "What you share" page): not counted.
    assert results[2].startswith("Not met No clinical lead at Level 3 yet")

    # On a phone: no sideways scroll; the heat map scrolls inside its own labelled region.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("region", name="Competencies signed off by domain")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})

    # The CSV.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (CSV)").click()
    path = tmp_path / "team.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:4]] == ["Ada Senior", "Ben Senior", "Cal Specialist"]
    assert [
        "at least 2 senior clinicians at Level 3",
        "Met",
        "2 of 2 senior clinicians at Level 3",
    ] in rows

    # The PDF, through the export flow: this test is the worker.
    queued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue", lambda pk: queued.append(pk) or True)
    page.get_by_role("button", name="Make the PDF report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team report")
    assert len(queued) == 1
    worker.export_run(export_id=queued[0])
    expect(page.get_by_test_id("export-ready")).to_contain_text("Your PDF is ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf_path = tmp_path / "team.pdf"
    info.value.save_as(pdf_path)
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    )
    export = PortfolioExport.objects.get(pk=queued[0])
    assert export.kind == "team"
    assert SERVICE in text and "Ada Senior" in text and export.code in text
    assert "2 of 2 senior clinicians at Level 3" in text
    assert service.pk  # the service the lead created is the one reported on
