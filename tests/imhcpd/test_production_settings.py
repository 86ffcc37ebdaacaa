"""Production fails closed: the variables it needs are required, eager Celery and HSTS preload
are not defaults (issue 11, finding 11 and part of 15)."""

from __future__ import annotations

import pytest

from tests.imhcpd.test_health_and_settings import PRODUCTION, _manage

SHOW = (
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_SECONDS, s.CELERY_TASK_ALWAYS_EAGER, "
    "s.CACHES['default']['BACKEND'], s.SITE_URL)"
)


@pytest.mark.parametrize("name", ["SITE_URL", "CELERY_BROKER_URL", "CACHE_URL"])
def test_each_production_variable_is_required_and_named(name: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != name}

    result = _manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be set when DEBUG is off" in result.stderr


def test_production_values_give_a_shared_cache_a_broker_and_no_preload() -> None:
    result = _manage("shell", "-v", "0", "-c", SHOW, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",  # HSTS preload is opt-in
        "31536000",
        "False",  # tasks go to the worker
        "imhcpd.cache.FailOpenRedisCache",  # Redis, shared by every process, fails open
        "https://imhcpd.example.org",
    ]


def test_hsts_preload_can_be_switched_on() -> None:
    result = _manage("shell", "-v", "0", "-c", SHOW, SECURE_HSTS_PRELOAD="1", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
    deploy = _manage(
        "check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_PRELOAD="1", **PRODUCTION
    )
    assert "System check identified no issues (0 silenced)." in deploy.stdout


def test_eager_celery_is_refused_when_debug_is_off() -> None:
    result = _manage("check", CELERY_TASK_ALWAYS_EAGER="1", **PRODUCTION)

    assert result.returncode != 0
    assert "CELERY_TASK_ALWAYS_EAGER is for development and tests only" in result.stderr


def test_development_needs_none_of_them() -> None:
    # `make run`: DEBUG on, nothing else set.
    result = _manage(
        "shell", "-v", "0", "-c", SHOW, DEBUG="1", DATABASE_URL=PRODUCTION["DATABASE_URL"]
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "0",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "http://127.0.0.1:8000",
    ]
