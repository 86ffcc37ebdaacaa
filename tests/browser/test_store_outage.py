"""The object store is away: the practitioner opening an attachment reads a calm 503 page
that says nothing was lost (not a 500), on a phone and on a laptop, and it passes axe."""

from __future__ import annotations

import io
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import Page, expect

from competencies.models import Framework
from imhcpd.storage import private_files_storage
from portfolios.services import attachment_add
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, OVERFLOW_JS
from tests.factories import PASSWORD, UserFactory, make_evidence, make_portfolio

SCREENSHOTS = Path("/tmp/imhcpd-screenshots")


def test_an_unreachable_store_is_a_page_that_says_nothing_was_lost(  # type: ignore[no-untyped-def]
    page: Page, live_framework: Framework, settings
) -> None:
    user = UserFactory(email="kit.ashdown@example.org", full_name="Kit Ashdown")
    portfolio = make_portfolio(user, live_framework)
    evidence = make_evidence(portfolio, kind="other", title="Poster", codes=["2.01"])
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 110, 160)).save(out, "JPEG")
    upload = SimpleUploadedFile("poster.jpg", out.getvalue(), content_type="image/jpeg")
    attachment = attachment_add(evidence=evidence, upload=upload, by=user)
    # From here on the store is an S3 endpoint where nothing answers.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private_files_storage(
            {"FILE_STORAGE": "s3", "S3_BUCKET": "gone", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
             "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}
        ),
    }  # fmt: skip
    sign_in(page, user.email, PASSWORD)
    SCREENSHOTS.mkdir(exist_ok=True)
    for width, height in ((375, 812), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(f"/portfolio/attachments/{attachment.pk}/")
        assert response is not None and response.status == 503
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Files are not available just now"
        )
        expect(page.get_by_text("Nothing has been lost")).to_be_visible()
        assert page.title() == "Files are not available just now — IMH CPD"
        assert page.evaluate(OVERFLOW_JS) == []
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in BLOCKING] == []
        page.screenshot(path=str(SCREENSHOTS / f"store-outage-{width}.png"), full_page=True)
