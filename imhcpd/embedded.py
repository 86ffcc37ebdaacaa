"""What `make run` uses instead of services to install: kombu's filesystem transport as the
Celery broker, and one SQLite file shared by runserver and the worker. Settings only."""

from __future__ import annotations

from pathlib import Path

# Two processes on one SQLite file: WAL lets reads go on during a write, and IMMEDIATE
# transactions wait their turn for the write lock instead of failing at once with
# "database is locked" when a read turns into a write.
SQLITE_SHARED_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def filesystem_broker_options(var_dir: Path) -> dict[str, object]:
    """Each message is a file under var/celery-broker/ (one machine only; production uses
    Redis). The folders must exist before either side connects."""
    folder = var_dir / "celery-broker"
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        # How often the worker looks for new files: a request's job starts within this.
        "polling_interval": 0.25,
    }
