"""The collection guard in tests/conftest.py: a test outside tests/browser/ that takes an
argument named `page` stops the run before anything executes (pytest-playwright would make it
a browser test and pull the live-server flush in among the database tests).

The hook is called directly with stand-in items: the pytester plugin is not enabled here, and
a nested pytest run would load Django and Playwright again for one list comprehension."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import BROWSER_TESTS, ROOT, pytest_collection_modifyitems

ELSEWHERE = ROOT / "tests" / "imhcpd" / "test_lists.py"


def _item(path: Path, *fixturenames: str) -> SimpleNamespace:
    return SimpleNamespace(nodeid=f"{path.name}::test_it", path=path, fixturenames=fixturenames)


def test_a_page_argument_outside_the_browser_tests_stops_collection() -> None:
    stray = _item(ELSEWHERE, "db", "page")
    with pytest.raises(pytest.UsageError, match=r"named 'page'.*\n  test_lists.py::test_it"):
        pytest_collection_modifyitems(config=None, items=[stray])  # type: ignore[arg-type]


def test_browser_tests_and_other_argument_names_are_let_through() -> None:
    items = [
        _item(BROWSER_TESTS / "test_journey.py", "live_server", "page"),
        _item(ELSEWHERE, "db", "page_number"),
        SimpleNamespace(nodeid="doctest", path=ELSEWHERE),  # an item with no fixtures at all
    ]
    pytest_collection_modifyitems(config=None, items=items)  # type: ignore[arg-type]
