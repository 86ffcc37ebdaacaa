"""A Redis cache that fails open.

The cache holds only counters (login throttling, quotas) and TOTP replay markers; sessions and
everything that must last are in the database. If Redis is away, raising would turn every
sign-in and every counted request into a 500, taking the site down with its cache. Instead a
failed call behaves as an empty cache, with a warning in the log: for the length of the outage
the counters start again from nothing, and the site keeps working.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _warn(operation: str, exc: Exception) -> None:
    logger.warning("Cache unavailable (%s): %s; carrying on as if it were empty", operation, exc)


class FailOpenRedisCacheClient(RedisCacheClient):
    def get(self, key: Any, default: Any) -> Any:
        try:
            return super().get(key, default)
        except UNAVAILABLE as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys: Any) -> dict[Any, Any]:
        try:
            return super().get_many(keys)
        except UNAVAILABLE as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key: Any) -> bool:
        try:
            return super().has_key(key)
        except UNAVAILABLE as exc:
            _warn("has_key", exc)
            return False

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        # As if the key were new: a lock is taken, a first count starts.
        try:
            return super().add(key, value, timeout)
        except UNAVAILABLE as exc:
            _warn("add", exc)
            return True

    def incr(self, key: Any, delta: int) -> int:
        try:
            return super().incr(key, delta)
        except UNAVAILABLE as exc:
            _warn("incr", exc)
            raise ValueError("Key not found (cache unavailable)") from exc

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        except UNAVAILABLE as exc:
            _warn("set", exc)

    def set_many(self, data: Any, timeout: Any) -> list[Any]:
        try:
            return super().set_many(data, timeout)
        except UNAVAILABLE as exc:
            _warn("set_many", exc)
            return []

    def touch(self, key: Any, timeout: Any) -> bool:
        try:
            return super().touch(key, timeout)
        except UNAVAILABLE as exc:
            _warn("touch", exc)
            return False

    def delete(self, key: Any) -> bool:
        try:
            return super().delete(key)
        except UNAVAILABLE as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys: Any) -> None:
        try:
            super().delete_many(keys)
        except UNAVAILABLE as exc:
            _warn("delete_many", exc)

    def clear(self) -> bool:
        try:
            return super().clear()
        except UNAVAILABLE as exc:
            _warn("clear", exc)
            return False


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
