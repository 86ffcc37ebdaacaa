"""Long lists for the list pages' query-count tests (tests/imhcpd/test_list_query_counts.py)
and their benchmark (bench/list_pages.py).

The first rows of each list go through the services, as in every other test; the rest are the
same rows written with `bulk_create`, so a thousand of them take a fraction of a second. The
bulk rows are the ones the services would write (an item, its revision, links and event; an
application with its applicant's portfolio; a register entry with its holder), valid against
every constraint, so the pages read them exactly as they read real ones.
"""

from __future__ import annotations

import datetime as dt
from itertools import cycle

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from competencies.models import Competency, Framework
from imhcpd.models import User
from portfolios.models import (
    Evidence,
    EvidenceEvent,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    Profession,
    ProfessionalBody,
    Region,
    WorkSetting,
)
from portfolios.supervision.models import Supervision
from register.models import Application, RegisterEntry
from tests.factories import UserFactory, make_evidence, make_portfolio, make_supervision

Status = EvidenceRevision.Status
KIND_CYCLE = (
    EvidenceKind.REFLECTIVE_ACCOUNT,
    EvidenceKind.REFLECTIVE_ACCOUNT,
    EvidenceKind.CPD_ACTIVITY,
    EvidenceKind.SUPERVISION,
)
DETAILS = {
    EvidenceKind.REFLECTIVE_ACCOUNT: {
        "what_happened": "During a home visit I watched a parent feed their baby.",
        "so_what": "The baby turned away when the pace was fast and looked back once it slowed.",
        "now_what": "I will name these moments of attunement with parents more often.",
    },
    EvidenceKind.CPD_ACTIVITY: {"provider": "A training provider", "learning": "Infant cues."},
    EvidenceKind.SUPERVISION: {
        "supervisor_name": "Clinical supervisor",
        "format": "individual",
        "themes": "Holding the baby in mind.",
        "learning": "Slowing down.",
    },
}


@transaction.atomic
def bulk_evidence(
    portfolio: Portfolio,
    count: int,
    *,
    submitted_to: Supervision | None = None,
    start: int = 0,
) -> list[Evidence]:
    """`count` items with one revision each, linked to 1–3 competencies (item i first links
    competency i, so 63 items cover the framework). Submitted to `submitted_to` when given;
    otherwise a mix of drafts, submitted, returned and signed-off items."""
    competencies = list(
        Competency.objects.filter(framework_id=portfolio.framework_id).order_by("order")
    )
    now = timezone.now()
    user = portfolio.user
    stamps = [now - dt.timedelta(minutes=count - i) for i in range(count)]
    kinds = [KIND_CYCLE[(start + i) % len(KIND_CYCLE)] for i in range(count)]
    statuses = (
        [Status.SUBMITTED] * count
        if submitted_to is not None
        else [
            (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.SIGNED_OFF)[(start + i) % 4]
            for i in range(count)
        ]
    )
    items = Evidence.objects.bulk_create(
        Evidence(portfolio=portfolio, kind=kind, created_at=at, updated_at=at)
        for kind, at in zip(kinds, stamps, strict=True)
    )
    revisions = EvidenceRevision.objects.bulk_create(
        EvidenceRevision(
            evidence=item,
            number=1,
            status=status,
            title=f"Item {start + i + 1}: noticing a baby's cues",
            date=at.date(),
            hours=None if kind == EvidenceKind.REFLECTIVE_ACCOUNT else 2,
            details=DETAILS[kind],
            confidentiality_flags=[],
            submitted_to=submitted_to if status != Status.DRAFT else None,
            submitted_at=at if status != Status.DRAFT else None,
            submitted_level=portfolio.target_level if status != Status.DRAFT else None,
            signed_off_level=portfolio.target_level if status == Status.SIGNED_OFF else None,
            created_at=at,
            updated_at=at,
        )
        for i, (item, kind, status, at) in enumerate(
            zip(items, kinds, statuses, stamps, strict=True)
        )
    )
    for item, revision in zip(items, revisions, strict=True):
        item.current = revision
    Evidence.objects.bulk_update(items, ["current"], batch_size=500)
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            revision=revision,
            competency=competencies[(start + i + step * 7) % len(competencies)],
            rationale="It shows this competency in practice.",
            accepted=True if revision.status == Status.SIGNED_OFF else None,
        )
        for i, revision in enumerate(revisions)
        for step in range(1 + (start + i) % 3)
    )
    EvidenceEvent.objects.bulk_create(
        EvidenceEvent(
            evidence=item,
            revision=revision,
            action=EvidenceEvent.Action.CREATED,
            actor=user,
            to_status=Status.DRAFT,
            created_at=revision.created_at,
        )
        for item, revision in zip(items, revisions, strict=True)
    )
    return items


def waiting_for_review(
    supervisor: User, framework: Framework, *, items: int, supervisees: int
) -> list[Supervision]:
    """`items` revisions waiting for `supervisor`, spread over `supervisees` practitioners,
    each of whom has also asked them to endorse a register application. One item each is
    submitted through the services; the rest are bulk rows."""
    from portfolios.supervision.services import evidence_submit
    from register.services import endorsement_request

    supervisions = []
    for n in range(supervisees):
        person = UserFactory(full_name=f"Supervisee {n + 1:03d}")
        portfolio = make_portfolio(person, framework)
        supervision = make_supervision(portfolio, supervisor)
        evidence = make_evidence(portfolio, codes=("1.01", "2.01"), title=f"Visit {n + 1}")
        evidence_submit(evidence=evidence, supervision=supervision, by=person)
        application = Application.objects.create(applicant=person, portfolio=portfolio, level=2)
        endorsement_request(application=application, supervision=supervision, by=person)
        supervisions.append(supervision)
    rest = items - supervisees
    for n, supervision in enumerate(supervisions):
        share = rest // supervisees + (1 if n < rest % supervisees else 0)
        if share:
            bulk_evidence(supervision.portfolio, share, submitted_to=supervision, start=n * 1000)
    return supervisions


def _people(count: int, prefix: str) -> list[User]:
    """`count` more accounts named "Prefix 00000", "Prefix 00001", … after those there are."""
    start = User.objects.filter(email__startswith=prefix).count()
    password = make_password(None)  # unusable: tests and the benchmark sign in with force_login
    return User.objects.bulk_create(
        User(
            email=f"{prefix}{i}@example.org",
            full_name=f"{prefix.title()} {i:05d}",
            password=password,
        )
        for i in range(start, start + count)
    )


@transaction.atomic
def waiting_applications(
    count: int, framework: Framework, *, assigned_to: User
) -> list[Application]:
    """`count` applications waiting for a decision (every third under review by
    `assigned_to`), each by its own applicant with a portfolio: one open application each."""
    people = _people(count, "applicant")
    portfolios = Portfolio.objects.bulk_create(
        Portfolio(
            user=person,
            framework=framework,
            profession=Profession.HEALTH_VISITOR,
            professional_body=ProfessionalBody.NMC,
            registration_number="12A3456E",
            work_setting=WorkSetting.HEALTH_VISITING,
            region=Region.NORTH_WEST,
            target_level=2,
        )
        for person in people
    )
    now = timezone.now()
    return Application.objects.bulk_create(
        Application(
            applicant=person,
            portfolio=portfolio,
            level=1 + i % 3,
            status=Application.Status.UNDER_REVIEW if i % 3 == 0 else Application.Status.SUBMITTED,
            assigned_to=assigned_to if i % 3 == 0 else None,
            created_at=now - dt.timedelta(days=40, minutes=i),
            submitted_at=now - dt.timedelta(days=30, minutes=count - i),
        )
        for i, (person, portfolio) in enumerate(zip(people, portfolios, strict=True))
    )


@transaction.atomic
def register_entries(count: int) -> list[RegisterEntry]:
    """`count` current entries, each with its holder's account, across levels and regions."""
    start = RegisterEntry.objects.count()
    holders = _people(count, "holder")
    regions = cycle(Region.choices)
    today = timezone.localdate()
    return RegisterEntry.objects.bulk_create(
        RegisterEntry(
            number=f"IMHRR-2026-8{i:05d}",
            user=holder,
            name=holder.full_name,
            level=1 + i % 3,
            region=(region := next(regions))[0],
            region_label=region[1],
            valid_from=today - dt.timedelta(days=i % 700),
            valid_to=today + dt.timedelta(days=30 + i % 900),
        )
        for i, holder in enumerate(holders, start=start)
    )
