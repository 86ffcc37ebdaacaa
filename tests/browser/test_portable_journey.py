"""A practitioner moves: their portfolio ZIP from one account is imported by a newcomer in the
browser. A tampered file first (every problem listed at the top, focused), then the real one
(the confirmation panel), then an item with its sign-off shown as a record only. Each page
fits a 375 px phone and a 1280 px laptop and passes axe."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Page, expect

from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, OVERFLOW_JS
from tests.factories import PASSWORD, UserFactory, make_portfolio
from tests.portfolios.test_portable_roundtrip import build_portfolio

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = ({"width": 375, "height": 812}, {"width": 1280, "height": 900})


def problems_here(page: Page) -> list[str]:
    found = []
    for size in SIZES:
        page.set_viewport_size(size)
        if not page.title().endswith(" — IMH CPD"):
            found.append(f"title {page.title()!r}")
        wide = page.evaluate(OVERFLOW_JS)
        if wide:
            found.append(f"scrolls sideways at {size['width']} px: {', '.join(wide)}")
        for violation in Axe().run(page, options=AXE_OPTIONS).response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [", ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
                found.append(
                    f"axe {violation['impact']} {violation['id']} at {size['width']} px: "
                    + "; ".join(targets)
                )
    return found


def exported_zip(live_framework) -> bytes:  # type: ignore[no-untyped-def]
    practitioner = UserFactory(email="leaving@example.org", full_name="Lee Leaving")
    make_portfolio(practitioner, live_framework)
    supervisor = UserFactory(email="supervisor@example.org", full_name="Sam Supervisor")
    build_portfolio(practitioner, supervisor)
    client = Client()
    client.force_login(practitioner)
    return b"".join(client.get("/portfolio/my-data/download.zip").streaming_content)


def tampered(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "portfolio.json":
                document = json.loads(content)
                document["evidence"][0]["revisions"][0]["attachments"][0]["sha256"] = "0" * 64
                document["evidence"][0]["revisions"][0]["links"][0]["competency"] = (
                    "00000000-0000-5000-8000-000000000000"
                )
                content = json.dumps(document).encode()
            new.writestr(info.filename, content)
    return out.getvalue()


def upload(page: Page, data: bytes) -> None:
    page.get_by_label("Your portfolio file").set_input_files(
        {"name": "imhcpd-my-data.zip", "mimeType": "application/zip", "buffer": data}
    )
    page.get_by_role("button", name="Check and import").click()


def test_a_newcomer_imports_a_portfolio(page: Page, live_framework) -> None:  # type: ignore[no-untyped-def]
    data = exported_zip(live_framework)
    newcomer = UserFactory(email="newcomer@example.org", full_name="Nel Newcomer")
    sign_in(page, newcomer.email, PASSWORD)
    page.goto("/portfolio/setup/")
    page.get_by_role("link", name="Import your portfolio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import your portfolio")
    assert problems_here(page) == []

    upload(page, tampered(data))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("does not match its SHA-256")
    expect(summary).to_contain_text("00000000-0000-5000-8000-000000000000")
    expect(page.locator("#id_file_error, .invalid-feedback").first).to_contain_text(
        "Nothing was saved"
    )
    assert page.title().startswith("Error: ")
    assert problems_here(page) == []

    upload(page, data)
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio imported")
    expect(page.get_by_test_id("import-summary")).to_contain_text("Sign-offs kept as a record")
    assert problems_here(page) == []

    page.get_by_role("link", name="Go to your evidence").click()
    page.get_by_role("link", name="Home visit reflection, revised").click()
    page.get_by_text("Revision 1").click()
    record = page.get_by_test_id("imported-sign-off")
    expect(record).to_contain_text("by Sam Supervisor on")
    expect(record).to_contain_text("a record only")
    assert problems_here(page) == []

    page.goto("/portfolio/my-data/")
    expect(page.get_by_role("link", name="Download my portfolio to move it (ZIP)")).to_be_visible()
    # The portfolio is no longer empty: the page no longer offers an import.
    expect(page.get_by_role("link", name="Import a portfolio from another site")).to_have_count(0)
    assert problems_here(page) == []
