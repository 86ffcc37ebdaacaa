"""Browser tests: headless Chromium driven by pytest-playwright against `live_server`.

pytest-playwright leaves an asyncio event loop running in the main thread, which makes
Django refuse every ORM call from the test with SynchronousOnlyOperation; the variable
below tells Django the calls are safe (they are: the test code is synchronous).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from competencies.models import Framework
from competencies.services import framework_import
from tests.conftest import shipped_framework_data

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium tries to reach hosts this machine cannot.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
# A failing locator should fail in seconds, not after Playwright's default 30 s.
TIMEOUT_MS = 10_000


def browser_required() -> bool:
    """CI sets IMHCPD_REQUIRE_BROWSER=1 so a missing browser can never pass silently."""
    return os.environ.get("IMHCPD_REQUIRE_BROWSER", "") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not only this folder's.
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists() and not browser_required():
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{CHROMIUM} not found: install it with `apt-get install -y "
                    "chromium` (IMHCPD_REQUIRE_BROWSER=1 makes this an error)"
                )
            )


@pytest.fixture(scope="session", autouse=True)
def _chromium_present() -> None:
    # Skipped tests never get here, so this only fails when the browser is required.
    if not CHROMIUM.exists():
        pytest.fail(
            f"IMHCPD_REQUIRE_BROWSER=1 but {CHROMIUM} does not exist: the browser tests "
            "cannot run. Install it with `apt-get install -y chromium`.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    # Relative URLs in page.goto() resolve against the live server. Defining this here
    # also replaces pytest-playwright 0.10's fallback `base_url` fixture, an instance
    # method on a plugin object, which pytest 9 reports as PytestRemovedIn10Warning
    # (an error under filterwarnings=error).
    return live_server.url


@pytest.fixture(autouse=True)
def _short_timeouts(context: BrowserContext) -> None:
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def live_framework(transactional_db: None) -> Framework:
    """The shipped framework, committed so that the live server's thread sees it."""
    return framework_import(data=shipped_framework_data(), activate=True)
