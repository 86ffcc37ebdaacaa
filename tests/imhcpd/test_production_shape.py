"""The production shape: migrations as a release step, one beat behind a Redis lock (two real
beat processes on a private Redis: the second waits until the first stops), gunicorn sized
from its configuration module."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.imhcpd.test_worker import PrivateRedis

COMPOSE = (ROOT / "docker-compose.yml").read_text()


def _service(name: str) -> str:
    """The compose block of one service, as text (no YAML parser in the project)."""
    start = COMPOSE.index(f"\n  {name}:\n")
    rest = COMPOSE[start + 1 :]
    following = [rest.find(f"\n  {s}:\n") for s in ("web", "worker", "beat", "db", "redis")]
    ends = [i for i in following if i > 0]
    return rest[: min(ends)] if ends else rest


def test_migrations_are_a_release_step_the_others_wait_for() -> None:
    migrate = _service("migrate")
    assert "manage.py migrate --noinput" in migrate and 'restart: "no"' in migrate
    web = _service("web")
    assert "migrate" not in web.split("command:")[1]
    assert "service_completed_successfully" in web
    for name in ("worker", "beat"):
        assert "depends_on: *after-release" in _service(name)


def test_beat_runs_behind_the_redis_lock_and_web_under_the_gunicorn_config() -> None:
    assert "-S redbeat.RedBeatScheduler" in _service("beat")
    assert "-c python:imhcpd.gunicorn_conf" in _service("web")
    assert '"python:imhcpd.gunicorn_conf"' in (ROOT / "Dockerfile").read_text()


def test_gunicorn_is_sized_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "90")
    conf = importlib.reload(importlib.import_module("imhcpd.gunicorn_conf"))
    assert (conf.workers, conf.timeout, conf.threads) == (4, 90, 1)
    monkeypatch.delenv("GUNICORN_WORKERS")
    conf = importlib.reload(conf)
    assert conf.workers == (os.cpu_count() or 1) * 2 + 1
    assert conf.limit_request_line == 8190 and conf.max_requests > 0


# --- Two beats, one lock ----------------------------------------------------------------------

HOLDING = "beat: Extending lock"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail("the beat lock test needs redis-server")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _beat(redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_BROKER_URL": redis_url,
        "REDBEAT_REDIS_URL": redis_url,
        # Wake every second so the holder renews (and logs) often; a dead holder's lock
        # would expire after 10 s.
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
        "REDBEAT_LOCK_TIMEOUT": "10",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "imhcpd", "beat",
        "-S", "redbeat.RedBeatScheduler", "--loglevel", "DEBUG",
        "--pidfile", "",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(log: Path, text: str, *, count: int = 1, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while log.read_text(errors="replace").count(text) < count:
        assert time.monotonic() < deadline, f"{log.name} never said {text!r}:\n{log.read_text()}"
        time.sleep(0.2)


def test_a_second_beat_waits_until_the_first_stops(private_redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _beat(private_redis.url, first_log)
    second = None
    try:
        _wait_for(first_log, HOLDING)
        second = _beat(private_redis.url, second_log)
        _wait_for(second_log, "beat: Acquiring lock")
        # The first keeps renewing while the second waits: three more renewals, none by it.
        renewed = first_log.read_text().count(HOLDING)
        _wait_for(first_log, HOLDING, count=renewed + 3)
        assert HOLDING not in second_log.read_text()

        first.terminate()
        first.wait(timeout=30)
        assert "beat: Releasing lock" in first_log.read_text()
        _wait_for(second_log, HOLDING)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
