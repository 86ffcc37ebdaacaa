"""`make run` sends exports and emails to a real worker through kombu's filesystem transport
(the embedded broker: files under VAR_DIR/celery-broker/). This starts `celery worker` as
`make run` does, with that broker and the settings' own transport options, hands it a task
from this process and sees the worker's process do it; then Ctrl-C (SIGINT) stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery import Celery
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = "filesystem://localhost/"


def _wait(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    # A deadline, never a fixed sleep: a loaded two-core machine can take many seconds to
    # start a worker, an idle one well under one.
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.1)


def test_a_task_goes_through_the_embedded_broker_to_a_real_worker(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "VAR_DIR": str(var),
        "CELERY_BROKER_URL": BROKER_URL,
    }
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable, "-m", "celery", "-A", "imhcpd", "worker",
        "-I", "tests.exports.embedded_broker_tasks",
        "--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING",
        "--hostname", f"embedded-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    mark = tmp_path / "mark.txt"
    try:
        # Where the settings put the broker's files: the worker made the folders at start-up.
        queue = var / "celery-broker" / "queue"
        _wait(queue.is_dir, 60, "the worker's settings made the broker folder")
        options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(var / "celery-broker" / "control"),
        }
        # An explicit connection: Celery's own broker_url gives way to a CELERY_BROKER_URL in
        # the environment (Redis in CI), which would send the task to another worker.
        sender = Celery()
        with (
            Connection(BROKER_URL, transport_options=options) as connection,
            connection.Producer() as producer,
        ):
            sender.send_task(
                "tests.exports.embedded_broker_tasks.leave_mark",
                kwargs={"path": str(mark), "text": "done by"},
                producer=producer,
            )
        _wait(mark.exists, 90, "the worker ran the task")
        _wait(lambda: mark.read_text().startswith("done by "), 10, "the mark was written")
        pid = int(mark.read_text().split()[-1])
        assert pid not in (os.getpid(), worker.pid)  # a pool process of the worker did it
        assert not list(queue.glob("*.msg")), "the message was taken off the queue"
        assert worker.poll() is None
        # Ctrl-C in `make run` reaches the worker as SIGINT: a warm shutdown, then it exits.
        worker.send_signal(signal.SIGINT)
        _wait(lambda: worker.poll() is not None, 60, "the worker stopped on Ctrl-C")
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)
        log.close()
