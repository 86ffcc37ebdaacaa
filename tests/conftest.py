"""Shared fixtures: the named personas every permission test speaks of, and the framework."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection

from competencies.formats import FrameworkData, parse_framework
from competencies.models import Framework
from competencies.services import framework_import
from imhcpd.models import User
from tests.factories import (
    RegisterAdminFactory,
    StaffFactory,
    UserFactory,
    give_totp,
    make_portfolio,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "imhcf.json"
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test outside tests/browser/ that asks for `page`, before anything runs.

    pytest-playwright takes any `page` argument (a fixture or a parametrize name alike) for
    its browser page and parametrises the test over browsers; pytest then groups it with the
    live-server tests, whose flush runs among the database tests and removes the rows the
    migrations ship (groups, the framework), so unrelated tests fail later in the run.
    """
    strays = [
        item.nodeid
        for item in items
        if "page" in getattr(item, "fixturenames", ())
        and BROWSER_TESTS not in Path(item.path).parents
    ]
    if strays:
        raise pytest.UsageError(
            "these tests take an argument named 'page', which pytest-playwright treats as its "
            "browser page (and the browser tests' database flush then runs among the "
            "database tests); rename the argument (e.g. 'page_number'), or move a real "
            "browser test to tests/browser/:\n  " + "\n  ".join(strays)
        )


@cache
def shipped_framework_data() -> FrameworkData:
    return parse_framework(FIXTURE.read_bytes(), fmt="json")


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Tasks run in-process (emails land in mail.outbox) except in worker tests.

    Celery reads settings once, so this patches the app's configuration directly.
    """
    from imhcpd.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # allauth's rate limits live in the cache; one test's logins must not throttle the next.
    django_cache.clear()


@pytest.fixture
def framework(db: None) -> Framework:
    return framework_import(data=shipped_framework_data(), activate=True)


# --- Personas -----------------------------------------------------------------


@pytest.fixture
def practitioner(framework: Framework) -> User:
    user = UserFactory(email="practitioner@example.org", full_name="Pat Practitioner")
    make_portfolio(user, framework)
    return user


@pytest.fixture
def other_practitioner(framework: Framework) -> User:
    user = UserFactory(email="other@example.org", full_name="Olu Other")
    make_portfolio(user, framework, target_level=1)
    return user


@pytest.fixture
def supervisor(db: None) -> User:
    # A supervisor is a relationship; until supervisions exist this is a plain account.
    return UserFactory(email="supervisor@example.org", full_name="Sam Supervisor")


@pytest.fixture
def register_admin(db: None) -> User:
    user = RegisterAdminFactory(email="registeradmin@example.org", full_name="Ari Admin")
    give_totp(user)
    return user


@pytest.fixture
def register_admin_without_mfa(db: None) -> User:
    return RegisterAdminFactory(email="newadmin@example.org", full_name="Nia New")


@pytest.fixture
def staff(db: None) -> User:
    user = StaffFactory(email="staff@example.org", full_name="Stevie Staff")
    give_totp(user)
    return user


PERSONAS = [
    "anonymous",
    "practitioner",
    "other_practitioner",
    "supervisor",
    "ended_supervisor",
    "register_admin",
    "staff",
]


@pytest.fixture
def ended_supervisor(db: None) -> User:
    # Supervised the practitioner once; the permission tests end that supervision.
    return UserFactory(email="formersupervisor@example.org", full_name="Fran Former")


@pytest.fixture
def persona_client(request: pytest.FixtureRequest, client):  # type: ignore[no-untyped-def]
    """`persona_client(name)` → a test client signed in as that persona (or anonymous)."""

    def make(name: str):  # type: ignore[no-untyped-def]
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return make


# --- A real Celery worker (PostgreSQL + Redis; `.ci/run`) -----------------------------------


def _why_no_worker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return "CELERY_BROKER_URL is not set"
    if connection.vendor != "postgresql":
        return "the worker needs a database another process can share (PostgreSQL)"
    return None


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    """One worker for the session, as production runs it: a prefork pool (one child), late
    acknowledgement. The prefork pool matters: killing its child is how tests simulate a
    worker lost mid-task, and the parent then hands the job back to the broker."""
    from imhcpd.celery import app as celery_app

    with django_db_blocker.unblock():
        reason = _why_no_worker()
        test_db = connection.settings_dict["NAME"]
    if reason:
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail(f"worker tests required but cannot run: {reason}")
        pytest.skip(reason)
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{test_db}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    command = [
        sys.executable, "-m", "celery", "-A", "imhcpd", "worker",
        "--pool", "prefork", "--concurrency", "1",
        "--loglevel", "WARNING", "--hostname", "imhcpd-test@%h",
        "--purge", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if celery_app.control.ping(timeout=1):
                break
            assert proc.poll() is None, "the Celery worker exited during start-up"
        else:
            pytest.fail("the Celery worker did not answer a ping within 30 s")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
