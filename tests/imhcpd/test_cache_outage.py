"""A Redis cache outage must not answer 500: the cache holds only counters, so it fails open.

The cache here points at a port nothing listens on, which is what a stopped Redis looks like
to a web process."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from imhcpd.cache import FailOpenRedisCache
from imhcpd.quotas import check_quota


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on close: nothing listens there now


@pytest.fixture
def dead_redis():  # type: ignore[no-untyped-def]
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    config = {
        "default": {
            "BACKEND": "imhcpd.cache.FailOpenRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    # override_settings resets Django's cache handlers on the way in and out.
    with override_settings(CACHES=config):
        yield caches["default"]


def test_every_operation_behaves_as_an_empty_cache(dead_redis, caplog) -> None:  # type: ignore[no-untyped-def]
    cache = dead_redis
    assert isinstance(cache, FailOpenRedisCache)
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("lock", True) is True  # a lock is taken, a first count starts
    cache.set("k", 1)
    cache.set_many({"a": 1})
    assert cache.has_key("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")  # as for a key that is not there: callers already handle it
    cache.delete("k")
    cache.delete_many(["a"])
    assert "Cache unavailable" in caplog.text


@pytest.mark.django_db
def test_a_quota_check_carries_on_while_redis_is_away(dead_redis, practitioner) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/portfolio/exports/")
    request.user = practitioner
    for _ in range(3):
        check_quota(request, "export_request")  # no exception: counted from nothing


@pytest.mark.django_db
def test_signing_in_works_while_redis_is_away(dead_redis, client, practitioner) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"login": practitioner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/portfolio/").status_code == 200
