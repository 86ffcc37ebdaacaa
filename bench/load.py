"""Benchmark: signed-in users against gunicorn + PostgreSQL + Redis, DEBUG off.

Builds (or reuses) a PostgreSQL database through the services, starts gunicorn with production
settings, signs each user in through the real login form and measures, one thread and one
connection per user: paced (3–8 s pauses; target 0 errors, p95 ≤ 300 ms), saturated (no pauses;
target ≥ 100 req/s and ≥ 0.25 × the floor) and the floor (the same load on /health/live).

    .venv/bin/python bench/load.py     # the issue's size; --rebuild drops the database first
    .venv/bin/python bench/load.py --practitioners 20 --items 10 --large-items 100 \\
        --supervisors 4 --waiting 5 --entries 200 --users 20 --duration 20   # a quick run

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/imhcpd_load, created when missing,
reused while it holds data of the same size), CACHE_URL and CELERY_BROKER_URL (default
redis://127.0.0.1:6379/14 and /15). The last line is one JSON object; it exits 0 either way.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from itertools import zip_longest
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402
from bench.portfolio import evidence_specs  # noqa: E402

PASSWORD = "load-benchmark-password-7f3a"  # noqa: S105 - throwaway accounts in a throwaway db
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/imhcpd_load"
MARKER_EMAIL = "load-marker@example.invalid"
PACED_P95_MS = 300.0
SATURATED_RPS = 100.0
FLOOR_RATIO = 0.25
TIMEOUT_S = 60.0
SIZES = (  # the data: flag, default (the size), help
    ("practitioners", 200, "practitioners with a portfolio"),
    ("items", 50, "evidence items each"),
    ("large_items", 1000, "evidence items of the first practitioner"),
    ("supervisors", 20, "supervisors, each of every n-th practitioner"),
    ("waiting", 20, "items waiting for each supervisor's review"),
    ("entries", 2000, "public register entries"),
)
# Invented names for the public register (no real person); searched by surname.
FIRST = ("Alex", "Sam", "Jo", "Robin", "Kit", "Morgan", "Ash", "Rowan", "Sky", "Bryn")
LAST = ("Ashdown", "Brackley", "Corran", "Dunmore", "Elsworth", "Fenwyck", "Garrow", "Holloway")
Person = dict[str, Any]  # a user taking part: email, page mix, the ids their pages use
Row = tuple[str, float, object]  # page, seconds, HTTP status (or the exception's name)
Pause = tuple[float, float] | None
# How often each page comes up in a user's loop (a weight per page).
PRACTITIONER_MIX = dict(
    dashboard=3, matrix=1, evidence_list=2, evidence_item=2, competency=1, register_search=1,
    framework_overview=1, framework_domain=1, framework_competency=1,
)  # fmt: skip
SUPERVISOR_MIX = dict(
    review_queue=3, review_page=3, framework_overview=1, framework_competency=1, register_search=1
)


def build(args: argparse.Namespace, size: str) -> float:
    """Everything the pages read, through the services; returns the seconds it took."""
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from competencies.formats import parse_framework
    from competencies.models import Competency
    from competencies.services import framework_import
    from imhcpd.models import User
    from portfolios import services
    from portfolios.models import Profession, ProfessionalBody, Region, WorkSetting
    from portfolios.supervision import services as supervision
    from register.models import RegisterEntry

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()
    framework = framework_import(data=parse_framework(raw, fmt="json"), activate=True)
    by_code = {c.code: c for c in Competency.objects.filter(framework=framework).order_by("order")}
    codes = list(by_code)
    today = timezone.localdate()
    # The production hasher, so signing in costs what it costs in production; one hash for
    # all (hashing 220 passwords would take minutes and measures nothing).
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())

    def person(email: str, name: str) -> User:
        user = User.objects.create(email=email, full_name=name, password=hashed)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    supervisors = [
        person(f"load-s{k}@example.org", f"Supervisor {k}") for k in range(args.supervisors)
    ]
    profile = dict(
        profession=Profession.HEALTH_VISITOR, profession_other="", target_level=2,
        professional_body=ProfessionalBody.NMC, registration_number="12A3456E",
        work_setting=WorkSetting.HEALTH_VISITING, region=Region.NORTH_WEST,
    )  # fmt: skip
    links: dict[int, list] = {k: [] for k in range(args.supervisors)}  # type: ignore[type-arg]
    for i in range(args.practitioners):
        with transaction.atomic():
            user = person(f"load-p{i}@example.org", f"Practitioner {i}")
            portfolio = services.portfolio_create(user=user, framework=framework, data=profile)
            for spec in evidence_specs(args.large_items if i == 0 else args.items, codes, today, i):
                data = services.EvidenceInput(
                    **{k: spec[k] for k in ("title", "date", "hours", "details")},
                    is_participatory=spec["participatory"],
                    links=[services.LinkInput(by_code[c], f"It shows {c}.") for c in spec["codes"]],
                )
                services.evidence_create(portfolio=portfolio, kind=spec["kind"], data=data, by=user)
            if supervisors:
                k = i % len(supervisors)
                invited = supervision.supervision_invite(
                    portfolio=portfolio, name=supervisors[k].full_name, email=supervisors[k].email,
                    role="clinical_supervisor", by=user,
                )  # fmt: skip
                links[k].append(
                    supervision.supervision_accept(supervision=invited, user=supervisors[k])
                )
        if i % 20 == 0:
            print(f"  built practitioner {i + 1} of {args.practitioners}", flush=True)
    # Each supervisor's supervisees submit drafts in turn: `waiting` wait for review, and half
    # as many again are signed off, so dashboards show sign-offs too.
    for k, supervisions in links.items():
        rounds = zip_longest(*[[(s, e) for e in s.portfolio.evidence.all()] for s in supervisions])
        queue = [pair for group in rounds for pair in group if pair]
        for n, (s, item) in enumerate(queue[: args.waiting * 3 // 2]):
            revision = supervision.evidence_submit(
                evidence=item, supervision=s, by=s.portfolio.user
            )
            if n >= args.waiting:
                supervision.review_sign_off(revision=revision, by=supervisors[k], declared=True)
    # Register entries as rows: the application-and-approval path for 2,000 people would
    # take far longer than the pages it feeds (the public search reads only these rows).
    rng = random.Random(7)
    regions = list(Region.choices)
    with transaction.atomic():
        holders = User.objects.bulk_create(
            User(
                email=f"load-r{i}@example.invalid",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                password=make_password(None),
            )
            for i in range(args.entries)
        )
        RegisterEntry.objects.bulk_create(
            RegisterEntry(
                number=f"IMHRR-2026-9{i:05d}",
                user=u,
                name=u.full_name,
                level=rng.choice((1, 2, 3)),
                region=(region := rng.choice(regions))[0],
                region_label=region[1],
                valid_from=today - dt.timedelta(days=rng.randrange(700)),
                valid_to=today + dt.timedelta(days=rng.randrange(30, 1000)),
            )
            for i, u in enumerate(holders)
        )
        User.objects.create(email=MARKER_EMAIL, full_name=size, password=make_password(None))
    return time.perf_counter() - start


def users_for(args: argparse.Namespace) -> list[Person]:
    """The users who take part: one supervisor in ten, the large portfolio's owner first."""
    from competencies.models import Competency, Domain
    from portfolios.models import Evidence, EvidenceRevision

    rng = random.Random(11)
    codes = list(Competency.objects.values_list("code", flat=True).distinct())
    domains = sorted(set(Domain.objects.values_list("number", flat=True)))
    common = {"codes": codes, "domains": domains}
    n_sup = min(args.supervisors, args.users // 10)
    out: list[Person] = []
    for k in range(n_sup):
        email = f"load-s{k}@example.org"
        waiting = EvidenceRevision.objects.filter(
            status=EvidenceRevision.Status.SUBMITTED,
            evidence__portfolio__supervisions__invitee_email=email,
        )
        out.append({"email": email, "mix": SUPERVISOR_MIX, "reviews": [r.pk for r in waiting]})
    for i in range(min(args.users - n_sup, args.practitioners)):
        email = f"load-p{i}@example.org"
        pks = list(
            Evidence.objects.filter(portfolio__user__email=email).values_list("pk", flat=True)
        )
        out.append(
            {"email": email, "mix": PRACTITIONER_MIX, "items": rng.sample(pks, min(30, len(pks)))}
        )
    return [{**common, **u} for u in out]


class Session:
    """One browser: a connection to gunicorn and its cookies (the Secure flag is ignored,
    as the TLS proxy in front of production would make it moot)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": "imhcpd-load/1", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.will_close:  # sync workers close after each response
            self.conn.close()
        return response.status, data

    def login(self, email: str) -> bool:
        try:
            status, body = self.request("GET", "/accounts/login/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            if status != 200 or token is None:
                return False
            form = dict(csrfmiddlewaretoken=token.group(1).decode(), login=email, password=PASSWORD)
            return self.request("POST", "/accounts/login/", urlencode(form))[0] == 302
        except (OSError, http.client.HTTPException):
            return False


def page_path(name: str, user: Person, rng: random.Random) -> str:
    code = rng.choice(user["codes"])
    return {
        "dashboard": lambda: "/portfolio/",
        "matrix": lambda: "/portfolio/matrix/",
        "evidence_list": lambda: "/portfolio/evidence/",
        "evidence_item": lambda: f"/portfolio/evidence/{rng.choice(user['items'])}/",
        "competency": lambda: f"/portfolio/competencies/{code}/",
        "framework_overview": lambda: "/framework/",
        "framework_domain": lambda: f"/framework/domains/{rng.choice(user['domains'])}/",
        "framework_competency": lambda: f"/framework/competencies/{code}/",
        "register_search": lambda: "/register/?" + urlencode({"q": rng.choice(LAST)}),
        "review_queue": lambda: "/supervision/",
        "review_page": lambda: f"/supervision/reviews/{rng.choice(user['reviews'])}/",
        "health_live": lambda: "/health/live",
    }[name]()


def in_threads(target: Callable[..., object], argsets: list[tuple[Any, ...]]) -> float:
    """Runs target once per argument tuple, each in its own thread; returns the seconds."""
    threads = [threading.Thread(target=target, args=a, daemon=True) for a in argsets]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - began


def run_phase(
    sessions: list[Session], users: list[Person], seconds: float, pause: Pause = None, floor=False
) -> tuple[list[Row], float]:
    """Each user in its own thread until the deadline; returns (page, seconds, status) rows."""
    rows: list[Row] = []
    deadline = time.monotonic() + seconds

    def loop(session: Session, user: Person, seed: int) -> None:
        rng = random.Random(seed)
        mix = {"health_live": 1} if floor else dict(user["mix"])
        if not user.get("reviews"):
            mix.pop("review_page", None)
        if pause:  # people do not all arrive in the same second
            time.sleep(rng.uniform(0, pause[1]))
        while time.monotonic() < deadline:
            name = rng.choices(list(mix), list(mix.values()))[0]
            path = page_path(name, user, rng)
            began = time.perf_counter()
            try:
                status: object = session.request("GET", path)[0]
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            rows.append((name, time.perf_counter() - began, status))
            if pause:
                time.sleep(min(rng.uniform(*pause), max(0.0, deadline - time.monotonic())))

    argsets = [(s, u, n) for n, (s, u) in enumerate(zip(sessions, users, strict=True))]
    return rows, in_threads(loop, argsets)


def stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times) or [0.0]
    return {
        f"p{q}_ms": round(ordered[min(len(ordered) - 1, len(ordered) * q // 100)] * 1000, 1)
        for q in (50, 95, 99)
    }


def summary(rows: list[Row], seconds: float) -> dict[str, Any]:
    pages = {
        name: {
            **stats([r[1] for r in rows if r[0] == name]),
            "count": sum(1 for r in rows if r[0] == name),
            "errors": sum(1 for r in rows if r[0] == name and r[2] != 200),
        }
        for name in sorted({r[0] for r in rows})
    }
    bad = [str(r[2]) for r in rows if r[2] != 200]
    return {
        "requests": len(rows),
        "errors": len(bad),
        "error_statuses": sorted(set(bad)),
        "rps": round(len(rows) / seconds, 1) if seconds else 0.0,
        **stats([r[1] for r in rows]),
        "pages": pages,
    }


def show(title: str, s: dict[str, Any]) -> None:
    print(f"\n  {title}: {s['requests']} requests, {s['rps']} req/s, {s['errors']} errors")
    print(f"  {'page':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, p in [*s["pages"].items(), ("overall", {**s, "count": s["requests"]})]:
        print(
            f"  {name:<22} {p['count']:>7} {p['p50_ms']:>8} {p['p95_ms']:>8} {p['p99_ms']:>8}"
            f" {p['errors']:>7}"
        )
    if s["error_statuses"]:
        print(f"  error statuses: {', '.join(s['error_statuses'])}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, tmp: str) -> subprocess.Popen:  # type: ignore[type-arg]
    """collectstatic (the manifest DEBUG-off pages need), then gunicorn; waits for /health/live."""
    static = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(static, cwd=ROOT, env=env, check=True)
    log = open(Path(tmp) / "gunicorn.log", "wb")  # noqa: SIM115 - open while it runs
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:imhcpd.gunicorn_conf"]
    server = subprocess.Popen(
        [*gunicorn, "imhcpd.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    for _ in range(120):
        try:
            if Session(port).request("GET", "/health/live")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer; see {tmp}/gunicorn.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, default, text in SIZES:
        parser.add_argument(f"--{flag.replace('_', '-')}", type=int, default=default, help=text)
    parser.add_argument("--users", type=int, default=100, help="users signed in at once")
    parser.add_argument("--duration", type=float, default=60, help="seconds of each no-pause phase")
    parser.add_argument("--paced-duration", type=float, default=120, help="seconds, paced phase")
    parser.add_argument("--workers", type=int, default=4, help="GUNICORN_WORKERS")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-load-")
    server_env = {k: v for k, v in os.environ.items() if not k.startswith(("IMHCPD_", "DJANGO_"))}
    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    port = free_port()
    server_env.update(
        DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="imhcpd.settings", DEBUG="0",
        CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/14"),
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
        SECRET_KEY=secrets.token_urlsafe(50), SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", GUNICORN_WORKERS=str(args.workers),
        GUNICORN_BIND=f"127.0.0.1:{port}", STATIC_ROOT=f"{tmp}/static", VAR_DIR=tmp,
    )  # fmt: skip
    # This process builds with the test settings (eager Celery, mail kept in memory).
    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["LOG_LEVEL"] = "WARNING"  # not a line per email sent while building
    ensure_database(db_url, args.rebuild)

    import django

    django.setup()
    from django.db import connection

    from imhcpd.models import User

    size = " ".join(f"{flag}={getattr(args, flag)}" for flag, _, _ in SIZES)
    tables = connection.introspection.table_names()
    marker = User.objects.filter(email=MARKER_EMAIL).first() if "imhcpd_user" in tables else None
    if marker is None or marker.full_name != size:
        if tables:
            connection.close()
            ensure_database(db_url, rebuild=True)
        print(f"Building {size} in {urlparse(db_url).path.lstrip('/')} …", flush=True)
        built = round(build(args, size), 1)
        print(f"  built in {built} s")
    else:
        built = None
        print(f"Reusing the data in {urlparse(db_url).path.lstrip('/')} ({size})")
    # The planner's statistics, as autovacuum keeps them in production: a server with
    # autovacuum off (CI's) would otherwise plan every query for empty tables (seq scans).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    users = users_for(args)
    connection.close()

    server = start_gunicorn(server_env, port, tmp)
    try:
        sessions = [Session(port) for _ in users]
        began = time.perf_counter()
        failed: list[str] = []
        took = in_threads(
            lambda s, email: s.login(email) or failed.append(email),
            [(s, u["email"]) for s, u in zip(sessions, users, strict=True)],
        )
        print(f"  {len(users)} users signed in through the form in {took:.1f} s, failed: {failed}")
        run_phase(sessions, users, 10)  # warm-up: every worker's first requests
        paced = summary(*run_phase(sessions, users, args.paced_duration, (3.0, 8.0)))
        saturated = summary(*run_phase(sessions, users, args.duration))
        floor_sessions = [Session(port) for _ in users]
        floor = summary(*run_phase(floor_sessions, users, args.duration, floor=True))
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=60)

    print(f"\nIMH CPD load benchmark: {os.cpu_count()} cores, {len(users)} users, DEBUG off,")
    print(f"  gunicorn {args.workers} sync workers, PostgreSQL + Redis, generator on this machine")
    show(f"paced (3–8 s pauses, {args.paced_duration:.0f} s)", paced)
    show(f"saturated (no pauses, {args.duration:.0f} s)", saturated)
    show(f"floor: /health/live (no pauses, {args.duration:.0f} s)", floor)
    ratio = round(saturated["rps"] / floor["rps"], 3) if floor["rps"] else 0.0
    errors = len(failed) + paced["errors"] + saturated["errors"] + floor["errors"]
    targets = {
        f"paced: 0 errors, p95 <= {PACED_P95_MS:.0f} ms": not paced["errors"]
        and paced["p95_ms"] <= PACED_P95_MS,
        f"saturated: >= {SATURATED_RPS:.0f} req/s, 0 errors": not saturated["errors"]
        and saturated["rps"] >= SATURATED_RPS,
        f"saturated >= {FLOOR_RATIO} x floor (ratio {ratio})": ratio >= FLOOR_RATIO,
    }
    print()
    for target, met in targets.items():
        print(f"  targets met: {'yes' if met else 'NO '}  {target}")
    print(f"  load phases took {elapsed:.0f} s; gunicorn log: {tmp}/gunicorn.log\n")
    result = dict(
        users=len(users), errors=errors, paced_p95_ms=paced["p95_ms"],
        saturated_rps=saturated["rps"], floor_rps=floor["rps"], rps_ratio_to_floor=ratio,
        pages=paced["pages"], paced=paced, saturated=saturated, floor=floor, build_s=built,
        settings={"size": size, "cores": os.cpu_count(), "workers": args.workers},
        targets_met=all(targets.values()),
    )  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
