"""Benchmark: the list pages with a short and a long list.

The supervisor's review queue (5 and 200 waiting items, from 2 and then 5 supervisees, each
with an endorsement request), the register administration queue (10 and 1,000 applications),
the administrators' register entries and the public register (10 and 10,000 entries; the
public page as an empty search, which lists every current entry) and the evidence list (10
and 1,000 items). The lists are built by tests/list_data.py (the first rows through the
services, the rest as the same rows in bulk). For each page: SQL queries per request and
median server time on the first page, and at the long size on the last page too (the deepest
OFFSET). Runs against a throwaway SQLite database (or DATABASE_URL if set, or a fresh
PostgreSQL database with --postgres); the last line is one JSON object.

    .venv/bin/python bench/list_pages.py                  # --repeat 20
    .venv/bin/python bench/list_pages.py --postgres       # postgres://…/imhcpd_bench_lists
    .venv/bin/python bench/list_pages.py --show-queries   # list each page's SQL

Target: the same query count at both sizes on every page (a page reads its list in a fixed
number of queries and shows it a page at a time). It exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import median_get_ms  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/imhcpd_bench_lists"
# page: (url, rows at the short size, rows at the long size)
PAGES = {
    "review_queue": ("/supervision/", 5, 200),
    "admin_queue": ("/register/admin/", 10, 1_000),
    "admin_entries": ("/register/admin/entries/", 10, 10_000),
    "public_register": ("/register/?q=&level=&region=", 10, 10_000),
    "evidence_list": ("/portfolio/evidence/", 10, 1_000),
}


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark's own database, so every run starts empty."""
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(parts._replace(path="/postgres").geturl())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per figure")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=POSTGRES_URL,
        metavar="URL",
        help=f"run on a fresh PostgreSQL database (default {POSTGRES_URL}); dropped first",
    )
    parser.add_argument("--show-queries", action="store_true", help="list each page's SQL")
    args = parser.parse_args()

    if args.postgres:
        fresh_postgres(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    # The services' mail goes through eager tasks that log every message: not the measurement.
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from competencies.formats import parse_framework
    from competencies.services import framework_import
    from tests.factories import RegisterAdminFactory, UserFactory, give_totp, make_portfolio
    from tests.imhcpd.signin import force_login_with_mfa
    from tests.list_data import (
        bulk_evidence,
        register_entries,
        waiting_applications,
        waiting_for_review,
    )

    setup_test_environment()
    call_command("migrate", verbosity=0)
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()
    framework = framework_import(data=parse_framework(raw, fmt="json"), activate=True)

    supervisor = UserFactory(email="bench-supervisor@example.org", full_name="Bench Supervisor")
    admin = RegisterAdminFactory(email="bench-admin@example.org", full_name="Bench Admin")
    give_totp(admin)
    practitioner = UserFactory(email="bench-p@example.org", full_name="Bench Practitioner")
    portfolio = make_portfolio(practitioner, framework)
    clients = {"supervisor": Client(), "admin": Client(), "practitioner": Client()}
    clients["supervisor"].force_login(supervisor)
    force_login_with_mfa(clients["admin"], admin)
    clients["practitioner"].force_login(practitioner)
    who = {
        "review_queue": "supervisor",
        "admin_queue": "admin",
        "admin_entries": "admin",
        "public_register": "anonymous",
        "evidence_list": "practitioner",
    }
    clients["anonymous"] = Client()

    def grow(step: int) -> float:
        """Step 0 builds the short lists; step 1 adds rows up to the long sizes."""
        start = time.perf_counter()
        size = {
            name: sizes[step] - (sizes[0] if step else 0) for name, (_, *sizes) in PAGES.items()
        }
        waiting_for_review(
            supervisor, framework, items=size["review_queue"], supervisees=3 if step else 2
        )
        waiting_applications(size["admin_queue"], framework, assigned_to=admin)
        register_entries(size["public_register"])  # the administrators' entries page too
        bulk_evidence(portfolio, size["evidence_list"], start=portfolio.evidence.count())
        return time.perf_counter() - start

    results: dict[str, dict[str, float | int]] = {name: {} for name in PAGES}
    sql: dict[tuple[str, int], list[str]] = {}
    built: list[float] = []
    for step in (0, 1):
        built.append(grow(step))
        for name, (url, *sizes) in PAGES.items():
            n = sizes[step]
            client = clients[who[name]]
            response = client.get(url)  # warm-up, and a check the page really renders
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            # Read now: the next request empties the connection's query log.
            sql[(name, n)] = [q["sql"] for q in ctx.captured_queries]
            row = results[name]
            row[f"queries_{n}"] = len(ctx.captured_queries)
            row[f"median_ms_{n}"] = round(median_get_ms(client, url, args.repeat), 1)
            if step:  # past the end answers with the last page (imhcpd.pagination)
                last = f"{url}{'&' if '?' in url else '?'}page=999999"
                assert b'aria-current="page"' in client.get(last).content, last
                row[f"median_ms_{n}_last_page"] = round(median_get_ms(client, last, args.repeat), 1)

    print(f"IMH CPD list pages ({connection.vendor}, median of {args.repeat} requests)")
    print(f"  built the short lists in {built[0]:.1f} s, the long ones in {built[1]:.1f} s")
    print(f"  {'page':<16} {'rows':>13} {'queries':>9} {'ms':>13} {'ms, last page':>14}")
    same = True
    for name, (_, small, big) in PAGES.items():
        r = results[name]
        queries = (r[f"queries_{small}"], r[f"queries_{big}"])
        ms = (r[f"median_ms_{small}"], r[f"median_ms_{big}"])
        same = same and queries[0] == queries[1]
        rows, counts, times = (
            f"{small:,} / {big:,}",
            "{} / {}".format(*queries),
            "{} / {}".format(*ms),
        )
        print(
            f"  {name:<16} {rows:>13} {counts:>9} {times:>13} {r[f'median_ms_{big}_last_page']:>14}"
        )
    print(f"  targets met: {'yes' if same else 'NO '}  same query count at both sizes")
    if args.show_queries:
        for (name, n), queries in sql.items():
            print(f"\n  SQL for {name} at {n:,} rows ({len(queries)} queries):")
            for i, q in enumerate(queries, start=1):
                print(f"    {i:>2}. {abbreviate(q)}")
    print()
    print(json.dumps({"database": connection.vendor, "pages": results, "same_query_count": same}))


def abbreviate(sql: str, width: int = 200) -> str:
    """One line: selected columns elided, long IN lists shortened, then cut to width."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"^SELECT (DISTINCT )?(.{50,}?) FROM ", r"SELECT \1… FROM ", sql)
    sql = re.sub(r"IN \(([^()]{60,}?)\)", lambda m: f"IN ({m.group(1).count(',') + 1} values)", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


if __name__ == "__main__":
    main()
