"""A task only the embedded-broker test loads into its worker (`celery worker -I`): it leaves
a mark that a separate process ran it, and needs no database."""

from __future__ import annotations

import os
from pathlib import Path

from celery import shared_task


@shared_task(acks_late=True)
def leave_mark(*, path: str, text: str) -> None:
    Path(path).write_text(f"{text} {os.getpid()}")
