"""Running two actions at the same moment on real threads, each with its own database
connection, for the tests that prove a conditional update lets exactly one of them win.

Only PostgreSQL runs them: SQLite serialises writers on one file lock, so a "race" there
proves nothing (and its locking errors would be the test's, not the code's). CI runs the whole
suite on PostgreSQL, so they run there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a race needs real row locks and concurrent transactions: PostgreSQL only",
)


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Start every action at once (a barrier) on its own thread; return each one's result or
    the exception it raised, in the order given."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action()
        except Exception as exc:  # the loser's error is the result being tested
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a racing action never finished"
    return results
