"""Helpers the benchmarks share, so a fix to one (say, how a database is made) reaches all."""

from __future__ import annotations

import statistics
import time
from typing import Any
from urllib.parse import urlparse


def ensure_database(url: str, rebuild: bool) -> bool:
    """Create the database on its server when missing (dropped first with `rebuild`).

    Returns True when the database was created by this call, so a caller can build its data
    only then and reuse what is there otherwise.
    """
    import psycopg2  # imported here: the SQLite benches never need it

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(parts._replace(path="/postgres").geturl())
    admin.autocommit = True
    with admin.cursor() as cur:
        if rebuild:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        new = cur.fetchone() is None
        if new:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return new


def median_get_ms(client: Any, url: str, repeat: int) -> float:
    """GET `url` `repeat` times with the test client; the median in milliseconds, unrounded.

    The median, not the mean: one request slowed by the machine's other work does not move it.
    """
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000
