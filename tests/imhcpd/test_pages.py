"""The fixed pages every footer links to, and the layout every page shares."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_footer_links_the_accessibility_statement_privacy_and_contact(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/framework/").content.decode()
    footer = html[html.index("<footer") :]
    for href in ("/accessibility/", "/privacy/", "/contact/"):
        assert f'href="{href}"' in footer


@pytest.mark.parametrize(
    ("url", "title", "needle"),
    [
        ("/accessibility/", "Accessibility statement", "WCAG"),
        ("/privacy/", "Privacy", "Never record anything that could identify"),
        ("/contact/", "Contact us", "support@imhcpd.localhost"),
    ],
)
def test_fixed_pages(client, url: str, title: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(url).content.decode()
    assert re.search(rf"<title>{title} — IMH CPD</title>", html)
    assert needle in html


def test_the_statement_says_when_it_was_reviewed(client, settings) -> None:  # type: ignore[no-untyped-def]
    import datetime

    settings.ACCESSIBILITY_STATEMENT_REVIEWED = datetime.date(2027, 1, 4)
    assert "last reviewed on 4 January 2027" in client.get("/accessibility/").content.decode()


def test_the_phase_banner_invites_feedback(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").content.decode()
    assert "phase-banner" in html and 'href="/contact/"' in html
