"""Benchmark: the team page (/teams/<pk>/) with 3 and with 50 members.

Builds two PAIR services against the shipped framework, every member with a portfolio and a
few of them with every competency signed off (one item each, through the supervision
services), then measures the team page and its CSV: SQL queries per request and median
server time. Runs against a throwaway SQLite database (or DATABASE_URL if set); the last line
is one JSON object.

    .venv/bin/python bench/team_page.py                # --repeat 10
    .venv/bin/python bench/team_page.py --show-queries # list the team page's SQL

Target: the same query count at 3 and at 50 members (the page reads a team in a fixed number
of queries). It exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import median_get_ms  # noqa: E402

SIZES = (3, 50)
ROLES = ("senior_clinician", "clinician", "parent_infant_specialist", "support")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per figure")
    parser.add_argument("--show-queries", action="store_true", help="list the page's SQL")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from competencies.formats import parse_framework
    from competencies.models import Competency
    from competencies.services import framework_import
    from imhcpd.models import User
    from portfolios.supervision.services import evidence_submit, review_sign_off
    from portfolios.teams.models import Membership, Service, TeamStandard
    from tests.factories import make_evidence, make_portfolio, make_supervision

    setup_test_environment()
    call_command("migrate", verbosity=0)
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()
    framework = framework_import(data=parse_framework(raw, fmt="json"), activate=True)
    codes = tuple(
        Competency.objects.filter(framework=framework)
        .order_by("order")
        .values_list("code", flat=True)
    )
    supervisor = User.objects.create_user(
        email="bench-supervisor@example.org", full_name="Bench Supervisor"
    )
    standard = TeamStandard.objects.filter(kind="pair", is_default=True).first()

    def person(email: str, name: str) -> User:
        user = User.objects.create_user(email=email, full_name=name)
        make_portfolio(user, framework)
        return user

    def build(size: int) -> tuple[User, Service]:
        service = Service.objects.create(
            name=f"Bench team of {size}",
            kind="pair",
            region="england_north_west",
            standard=standard,
        )
        lead = None
        for i in range(size):
            user = person(f"bench-{size}-{i}@example.org", f"Member {i} of {size}")
            Membership.objects.create(
                service=service,
                user=user,
                is_lead=i == 0,
                shares_summary=True,
                consented_at=timezone.now(),
                role="clinical_lead" if i == 0 else ROLES[i % len(ROLES)],
                wte=Decimal("0.8"),
            )
            lead = lead or user
            if i % 10 == 0:  # every tenth member has everything signed off at Level 2
                supervision = make_supervision(user.portfolio, supervisor)
                evidence = make_evidence(user.portfolio, codes=codes, title="Everything")
                revision = evidence_submit(evidence=evidence, supervision=supervision, by=user)
                review_sign_off(revision=revision, by=supervisor, declared=True)
        assert lead is not None
        return lead, service

    results: dict[str, dict[str, float | int]] = {}
    sql: dict[int, list[str]] = {}
    for size in SIZES:
        lead, service = build(size)
        client = Client()
        client.force_login(lead)
        for name, url in (
            ("team", f"/teams/{service.pk}/"),
            ("csv", f"/teams/{service.pk}/report.csv"),
        ):
            response = client.get(url)  # warm-up, and a check the page really renders
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            # Read now: the next request empties the connection's query log.
            captured = [q["sql"] for q in ctx.captured_queries]
            row = results.setdefault(name, {})
            row[f"queries_{size}"] = len(captured)
            row[f"median_ms_{size}"] = round(median_get_ms(client, url, args.repeat), 1)
            if name == "team":
                sql[size] = captured

    small, big = SIZES
    print(
        f"{'figure':<8} {'queries ' + str(small):>11} {'queries ' + str(big):>11} "
        f"{'ms ' + str(small):>9} {'ms ' + str(big):>9}"
    )
    for name, row in results.items():
        print(
            f"{name:<8} {row[f'queries_{small}']:>11} {row[f'queries_{big}']:>11} "
            f"{row[f'median_ms_{small}']:>9} {row[f'median_ms_{big}']:>9}"
        )
    same = all(r[f"queries_{small}"] == r[f"queries_{big}"] for r in results.values())
    print(
        f"  targets met: {'yes' if same else 'NO '}  same query count at {small} and {big} members"
    )
    if args.show_queries:
        for size, queries in sql.items():
            print(f"\n  SQL for the team page at {size} members ({len(queries)} queries):")
            for i, q in enumerate(queries, start=1):
                print(f"    {i:>2}. {' '.join(q.split())[:200]}")
    print()
    print(json.dumps({"team_page": results, "same_query_count": same}))


if __name__ == "__main__":
    main()
