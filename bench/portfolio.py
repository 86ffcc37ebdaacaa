"""Benchmark: the portfolio pages with a small and a large portfolio.

Builds two portfolios against the shipped framework — one with 10 evidence items, one
with 1,000 (`--items`) linked across all 63 competencies — each with three years of
monthly self-assessments, then measures the dashboard, matrix, a competency page and the
evidence list: SQL queries per request and median server time. Runs against a throwaway
SQLite database (or DATABASE_URL if set); the last line is one JSON object.

    .venv/bin/python bench/portfolio.py                 # --repeat 20 --items 1000
    .venv/bin/python bench/portfolio.py --show-queries  # list every page's SQL
    .venv/bin/python bench/portfolio.py --bulk          # build with bulk inserts (faster)

Targets: at most 15 queries per page, the same count at 10 and at 1,000 items, and a
dashboard median of at most 150 ms at 1,000 items. It exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import median_get_ms  # noqa: E402

SMALL = 10
MAX_QUERIES = 15
DASHBOARD_MAX_MS = 150.0
YEARS = 3
MONTHS = 12 * YEARS
PAGES = {
    "dashboard": "/portfolio/",
    "matrix": "/portfolio/matrix/",
    "competency": "/portfolio/competencies/1.01/",
    "evidence_list": "/portfolio/evidence/",
}

# Invented, non-identifying practice text: nothing the confidentiality scan would flag.
SENTENCES = (
    "During a routine visit I watched a parent feed their young baby in the living room.",
    "The baby turned away when the pace was fast and looked back once it slowed.",
    "I noticed how the parent paused and waited, following the baby's lead.",
    "We talked about what the baby might be feeling and how the parent could tell.",
    "The parent described feeling anxious about crying in the evenings.",
    "I shared what I had seen of their attuned moments and named them aloud.",
    "Afterwards I discussed the visit with a colleague in the team.",
    "I had been unsure whether to raise the parent's low mood at this stage.",
    "Small pauses let the infant regulate, which the parent had begun to notice.",
    "It reminded me that the relationship, not the routine, is the focus of the work.",
    "I learned that my own calm pace helps a stressed parent slow down too.",
    "The infant's cues were subtle, and I nearly missed the first of them.",
    "I will describe these moments to parents more often so they see their own skill.",
    "Next time I will ask earlier about support from family and friends.",
    "I plan to read more about infant mental health and early regulation.",
    "I will bring this visit to supervision to think about my own feelings.",
)
PROVIDERS = ("A regional training provider", "An infant mental health charity", "E-learning")
CPD_TITLES = (
    "Video Interaction Guidance: an introduction",
    "Perinatal mental health update",
    "Understanding infant cues",
    "Attachment and the first thousand days",
    "Working with fathers and co-parents",
)


def _text(rng: random.Random, words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(rng.choice(SENTENCES))
    return " ".join(out)


def evidence_specs(n: int, codes: list[str], today: dt.date, seed: int) -> list[dict]:  # type: ignore[type-arg]
    """n items: kind, title, date, hours, participatory flag, details and 1–3 linked codes.

    Item i links competency i mod 63 first, so 63 or more items cover the whole framework.
    About 70% are reflective accounts (~150 words), 20% CPD activities, 10% supervision.
    """
    rng = random.Random(seed)
    specs = []
    for i in range(n):
        roll = rng.random()
        date = today - dt.timedelta(days=rng.randrange(YEARS * 365))
        spec: dict[str, object] = {"date": date, "hours": None, "participatory": None}
        if roll < 0.7:
            spec["kind"] = "reflective_account"
            spec["title"] = f"Reflection {i + 1}: noticing a baby's cues"
            spec["details"] = {
                "what_happened": _text(rng, 60),
                "so_what": _text(rng, 50),
                "now_what": _text(rng, 40),
            }
        elif roll < 0.9:
            spec["kind"] = "cpd_activity"
            spec["title"] = rng.choice(CPD_TITLES)
            spec["hours"] = Decimal(rng.randrange(2, 29)) / 4
            spec["participatory"] = rng.random() < 0.6
            spec["details"] = {"provider": rng.choice(PROVIDERS), "learning": _text(rng, 30)}
        else:
            spec["kind"] = "supervision"
            spec["title"] = "Reflective supervision"
            spec["hours"] = Decimal(rng.choice((2, 4, 6)) / 4).quantize(Decimal("0.01"))
            spec["details"] = {
                "supervisor_name": "Clinical supervisor",
                "format": rng.choice(("individual", "group")),
                "themes": _text(rng, 30),
                "learning": _text(rng, 20),
            }
        linked = [codes[i % len(codes)]]
        others = [c for c in codes if c != linked[0]]
        linked += rng.sample(others, rng.randrange(0, 3))
        spec["codes"] = linked
        specs.append(spec)
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per figure")
    parser.add_argument("--items", type=int, default=1000, help="evidence items, large portfolio")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="insert evidence rows in bulk instead of one by one through evidence_create",
    )
    parser.add_argument("--show-queries", action="store_true", help="list every page's SQL")
    args = parser.parse_args()
    if args.items <= SMALL:
        parser.error(f"--items must be more than {SMALL}")

    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from competencies.formats import parse_framework
    from competencies.models import Competency
    from competencies.services import framework_import
    from imhcpd.models import User
    from portfolios import services
    from portfolios.models import (
        DevelopmentGoal,
        Evidence,
        EvidenceEvent,
        EvidenceLink,
        EvidenceRevision,
        Portfolio,
        Rating,
        SelfAssessment,
    )
    from tests.factories import make_portfolio

    Status = EvidenceRevision.Status
    Action = EvidenceEvent.Action

    setup_test_environment()
    call_command("migrate", verbosity=0)
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()
    framework = framework_import(data=parse_framework(raw, fmt="json"), activate=True)
    competencies = list(Competency.objects.filter(framework=framework).order_by("order"))
    by_code = {c.code: c for c in competencies}
    codes = list(by_code)
    now = timezone.now()
    today = timezone.localdate()
    supervisor = User.objects.create_user(
        email="bench-supervisor@example.org", full_name="Bench Supervisor"
    )

    def rationale(code: str) -> str:
        return f"This shows {code} in my practice with an infant and parent."

    def at_noon(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    def create_via_services(portfolio: Portfolio, specs: list[dict]) -> None:  # type: ignore[type-arg]
        for spec in specs:
            data = services.EvidenceInput(
                title=spec["title"],
                date=spec["date"],
                hours=spec["hours"],
                is_participatory=spec["participatory"],
                details=spec["details"],
                links=[
                    services.LinkInput(competency=by_code[c], rationale=rationale(c))
                    for c in spec["codes"]
                ],
            )
            services.evidence_create(
                portfolio=portfolio, kind=spec["kind"], data=data, by=portfolio.user
            )

    @transaction.atomic
    def create_in_bulk(portfolio: Portfolio, specs: list[dict]) -> None:  # type: ignore[type-arg]
        """The rows evidence_create would write: item, revision 1 (draft), links, event."""
        for spec in specs:  # the same refusal evidence_create would make
            data = services.EvidenceInput(
                title=spec["title"],
                date=spec["date"],
                details=spec["details"],
                links=[services.LinkInput(by_code[c], rationale(c)) for c in spec["codes"]],
            )
            assert not services.identifying_text(spec["kind"], data), spec
        stamps = [at_noon(spec["date"]) for spec in specs]
        items = Evidence.objects.bulk_create(
            Evidence(portfolio=portfolio, kind=spec["kind"], created_at=at, updated_at=at)
            for spec, at in zip(specs, stamps, strict=True)
        )
        revisions = EvidenceRevision.objects.bulk_create(
            EvidenceRevision(
                evidence=item,
                number=1,
                status=Status.DRAFT,
                title=spec["title"],
                date=spec["date"],
                hours=spec["hours"],
                is_participatory=spec["participatory"],
                details=spec["details"],
                confidentiality_flags=[],
                created_at=at,
                updated_at=at,
            )
            for item, spec, at in zip(items, specs, stamps, strict=True)
        )
        for item, revision in zip(items, revisions, strict=True):
            item.current = revision
        Evidence.objects.bulk_update(items, ["current"], batch_size=500)
        EvidenceLink.objects.bulk_create(
            EvidenceLink(revision=revision, competency=by_code[c], rationale=rationale(c))
            for revision, spec in zip(revisions, specs, strict=True)
            for c in spec["codes"]
        )
        EvidenceEvent.objects.bulk_create(
            EvidenceEvent(
                evidence=item,
                revision=revision,
                action=Action.CREATED,
                actor=portfolio.user,
                to_status=Status.DRAFT,
                created_at=at,
            )
            for item, revision, at in zip(items, revisions, stamps, strict=True)
        )

    @transaction.atomic
    def sign_off_some(portfolio: Portfolio) -> int:
        """Every tenth item (about 10%) signed off at level 2 by the supervisor."""
        ids = list(
            Evidence.objects.filter(portfolio=portfolio)
            .order_by("pk")
            .values_list("current_id", "pk")[::10]
        )
        EvidenceRevision.objects.filter(pk__in=[r for r, _ in ids]).update(
            status=Status.SIGNED_OFF, signed_off_level=2
        )
        EvidenceLink.objects.filter(revision_id__in=[r for r, _ in ids]).update(accepted=True)
        EvidenceEvent.objects.bulk_create(
            EvidenceEvent(
                evidence_id=evidence_id,
                revision_id=revision_id,
                action=action,
                actor=actor,
                from_status=before,
                to_status=after,
            )
            for revision_id, evidence_id in ids
            for action, actor, before, after in (
                (Action.SUBMITTED, portfolio.user, Status.DRAFT, Status.SUBMITTED),
                (Action.SIGNED_OFF, supervisor, Status.SUBMITTED, Status.SIGNED_OFF),
            )
        )
        return len(ids)

    @transaction.atomic
    def self_assessment_history(portfolio: Portfolio) -> int:
        """One row a month for 36 months per competency: not assessed → working → achieved.

        Each competency moves on at its own month; some never reach 'achieved'. Rows are
        inserted oldest first, so ids follow time as they do when people rate.
        """
        rows = []
        for k, competency in enumerate(competencies):
            starts = 2 + (k * 7) % 12
            achieves = starts + 6 + (k * 5) % 20
            for m in range(MONTHS):
                if m < starts:
                    rating = Rating.NOT_ASSESSED
                elif m < achieves:
                    rating = Rating.WORKING_TOWARDS
                else:
                    rating = Rating.ACHIEVED
                rows.append(
                    SelfAssessment(
                        portfolio=portfolio,
                        competency=competency,
                        level=portfolio.target_level,
                        rating=rating,
                        confidence=None if m < starts else 1 + min(4, (m - starts) // 6),
                        note="Reviewed at my monthly check-in." if m % 6 == 0 else "",
                        created_at=now - dt.timedelta(days=30.4 * (MONTHS - 1 - m), minutes=k),
                    )
                )
        rows.sort(key=lambda r: r.created_at)
        return len(SelfAssessment.objects.bulk_create(rows, batch_size=1000))

    def goals(portfolio: Portfolio) -> None:
        for code in ("3.04", "5.02", "6.03", "7.01"):
            services.goal_from_gap(portfolio=portfolio, competency=by_code[code], by=portfolio.user)
        services.goal_save(
            portfolio=portfolio,
            by=portfolio.user,
            title="Finish the VIG introduction course",
            competencies=[by_code["2.04"], by_code["2.05"]],
            target_date=today - dt.timedelta(days=30),
            status=DevelopmentGoal.Status.DONE,
        )

    build: dict[int, float] = {}
    users: dict[int, User] = {}
    for n in (SMALL, args.items):
        start = time.perf_counter()
        user = User.objects.create_user(
            email=f"bench-{n}@example.org", full_name=f"Bench Practitioner {n}"
        )
        # An NMC nurse with a revalidation date: the dashboard runs the whole tracker.
        portfolio = make_portfolio(user, framework)
        portfolio.revalidation_date = today + dt.timedelta(days=200)
        portfolio.save(update_fields=["revalidation_date"])
        specs = evidence_specs(n, codes, today, seed=n)
        if args.bulk:
            create_in_bulk(portfolio, specs)
        else:
            create_via_services(portfolio, specs)
        sign_off_some(portfolio)
        self_assessment_history(portfolio)
        goals(portfolio)
        build[n] = time.perf_counter() - start
        users[n] = user

    # The data model the pages will read: one current revision 1 per item, all covered.
    for n, user in users.items():
        items = Evidence.objects.filter(portfolio__user=user)
        assert items.count() == n
        assert not items.filter(current__isnull=True).exists()
        assert not items.exclude(current__number=1).exists()
        assert not items.exclude(current__evidence=F("pk")).exists()
        signed_off = items.filter(current__status=Status.SIGNED_OFF, current__signed_off_level=2)
        assert signed_off.count() == (n + 9) // 10
        assert items.filter(current__status=Status.DRAFT).count() == n - (n + 9) // 10
    linked = EvidenceLink.objects.filter(revision__evidence__portfolio__user=users[args.items])
    covered = linked.values("competency").distinct().count()
    assert covered == len(competencies) or args.items < len(competencies), covered

    queries: dict[tuple[str, int], list[str]] = {}
    results: dict[str, dict[str, float | int]] = {
        name: dict.fromkeys(
            (
                f"queries_{SMALL}",
                f"queries_{args.items}",
                f"median_ms_{SMALL}",
                f"median_ms_{args.items}",
            ),
            0,
        )
        for name in PAGES
    }
    for n, user in users.items():
        client = Client()
        client.force_login(user)
        for name, url in PAGES.items():
            response = client.get(url)  # warm-up, and a check the page really renders
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries[(name, n)] = [q["sql"] for q in captured.captured_queries]
            results[name][f"queries_{n}"] = len(captured)
            results[name][f"median_ms_{n}"] = round(median_get_ms(client, url, args.repeat), 1)

    # --- Report -------------------------------------------------------------------
    big = args.items
    sa_rows = SelfAssessment.objects.filter(portfolio__user=users[big]).count()
    signed = EvidenceRevision.objects.filter(
        evidence__portfolio__user=users[big], status=Status.SIGNED_OFF
    ).count()
    print(f"IMH CPD portfolio benchmark ({connection.vendor}, median of {args.repeat} requests)")
    how = "bulk rows" if args.bulk else "services.evidence_create"
    for n in users:
        print(f"  built the {n}-item portfolio in {build[n]:.1f} s ({how})")
    print(
        f"  large portfolio: {big} items ({signed} signed off), links covering {covered} "
        f"competencies, {sa_rows} self-assessment rows over {MONTHS} months"
    )
    print()
    print(
        f"  {'page':<14} {'queries ' + str(SMALL):>11} {'queries ' + str(big):>13}"
        f" {'ms ' + str(SMALL):>9} {'ms ' + str(big):>9}"
    )
    for name, r in results.items():
        print(
            f"  {name:<14} {r[f'queries_{SMALL}']:>11} {r[f'queries_{big}']:>13}"
            f" {r[f'median_ms_{SMALL}']:>9} {r[f'median_ms_{big}']:>9}"
        )
    print()

    failures: list[str] = []
    suspect: set[str] = set()
    for name, r in results.items():
        worst = max(r[f"queries_{SMALL}"], r[f"queries_{big}"])
        if worst > MAX_QUERIES:
            failures.append(f"{name}: {worst} queries > {MAX_QUERIES}")
            suspect.add(name)
        if r[f"queries_{SMALL}"] != r[f"queries_{big}"]:
            failures.append(
                f"{name}: {r[f'queries_{SMALL}']} queries at {SMALL} items but "
                f"{r[f'queries_{big}']} at {big}"
            )
            suspect.add(name)
    dashboard_ms = results["dashboard"][f"median_ms_{big}"]
    targets = {
        f"<= {MAX_QUERIES} queries on every page": all(
            max(r[f"queries_{SMALL}"], r[f"queries_{big}"]) <= MAX_QUERIES for r in results.values()
        ),
        f"same query count at {SMALL} and {big} items": all(
            r[f"queries_{SMALL}"] == r[f"queries_{big}"] for r in results.values()
        ),
        f"dashboard median <= {DASHBOARD_MAX_MS:.0f} ms at {big} items": dashboard_ms
        <= DASHBOARD_MAX_MS,
    }
    if dashboard_ms > DASHBOARD_MAX_MS:
        failures.append(f"dashboard: median {dashboard_ms} ms > {DASHBOARD_MAX_MS:.0f} ms")
    for target, met in targets.items():
        print(f"  targets met: {'yes' if met else 'NO '}  {target}")
    for failure in failures:
        print(f"  FAILED: {failure}")

    for name in PAGES if args.show_queries else [p for p in PAGES if p in suspect]:
        for n in users:
            print(f"\n  SQL for {name} at {n} items ({len(queries[(name, n)])} queries):")
            for i, sql in enumerate(queries[(name, n)], start=1):
                print(f"    {i:>2}. {abbreviate(sql)}")
    print()
    print(json.dumps({"pages": results}))


def abbreviate(sql: str, width: int = 200) -> str:
    """One line: selected columns elided, long IN lists shortened, then cut to width."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"^SELECT (DISTINCT )?(.{50,}?) FROM ", r"SELECT \1… FROM ", sql)
    sql = re.sub(r"IN \(([^()]{60,}?)\)", lambda m: f"IN ({m.group(1).count(',') + 1} values)", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


if __name__ == "__main__":
    main()
