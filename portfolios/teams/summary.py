"""What a member shares with their team's leads, by consent: role, WTE, levels, signed-off
counts, CPD hours this year and register status. Never evidence content, reflections,
attachments or self-assessment notes: only counts and levels are read here.

`member_summaries` reads a whole team in a fixed number of queries, however many members
(the team page's query count must not grow with the team).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from competencies.models import Competency
from portfolios.models import (
    Evidence,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
)
from portfolios.progress import month_ends, signed_off_at
from register.models import RegisterEntry

from .models import Membership, Service

SIGNED_OFF = EvidenceRevision.Status.SIGNED_OFF


@dataclass(frozen=True)
class DomainInfo:
    number: int
    title: str
    total: int


@dataclass
class MemberSummary:
    membership: Membership
    name: str
    role: str
    role_label: str
    wte: Decimal | None
    target_level: int
    # Highest level at which every competency of the member's framework is signed off.
    achieved_level: int
    # {domain number: competencies signed off at the target level or above}
    signed_off_by_domain: dict[int, int]
    # {domain number: competencies in it} in the member's framework
    domain_totals: dict[int, int]
    # {code: highest level signed off (0: none)} for every competency of their framework.
    code_levels: dict[str, int]
    cpd_hours_this_year: Decimal
    register_status: str
    has_portfolio: bool = True
    # {code: when it was first signed off at the target level or above}
    first_signed: dict[str, dt.date] = field(default_factory=dict, repr=False)

    @property
    def pk(self) -> int:
        return self.membership.pk

    @property
    def signed_off_total(self) -> int:
        return sum(self.signed_off_by_domain.values())

    def signed_off_by(self, day: dt.date) -> int:
        """Competencies signed off at the target level or above by the end of `day`."""
        return sum(1 for at in self.first_signed.values() if at <= day)


def sharing_members(service: Service) -> list[Membership]:
    """Current members who consented to share: a member who left or stopped sharing is never
    read, not even their name (one query)."""
    return list(
        Membership.objects.filter(service=service, left_at=None, shares_summary=True)
        .select_related("user__portfolio")
        .order_by("joined_at", "pk")
    )


def register_status(entry: RegisterEntry | None) -> str:
    if entry is None:
        return "Not on the register"
    return f"Level {entry.level}, until {entry.valid_to:%-d %B %Y}"


def _portfolio_of(membership: Membership) -> Portfolio | None:
    try:
        return membership.user.portfolio
    except Portfolio.DoesNotExist:
        return None


def summarise(
    memberships: Iterable[Membership], today: dt.date | None = None
) -> list[MemberSummary]:
    """Summaries of these memberships in five queries whatever their number."""
    today = today or timezone.localdate()
    memberships = list(memberships)
    portfolios = {m.pk: _portfolio_of(m) for m in memberships}
    present = [p for p in portfolios.values() if p is not None]
    portfolio_ids = [p.pk for p in present]
    framework_ids = {p.framework_id for p in present}

    # 1. Every competency of the frameworks the members use (codes and domains).
    codes_by_framework: dict[int, list[tuple[str, int]]] = {}
    for framework_id, code, domain in (
        Competency.objects.filter(framework_id__in=framework_ids)
        .order_by("order")
        .values_list("framework_id", "code", "domain__number")
    ):
        codes_by_framework.setdefault(framework_id, []).append((code, domain))

    # 2. Sign-offs, as the portfolio counts them (portfolios.selectors.signed_off_competency_ids,
    # progress.progress_chart): an accepted link of a signed-off revision, at the revision's
    # sign-off level, from the time of the sign-off event.
    signed: dict[int, list[tuple[str, int, dt.datetime]]] = {}
    rows = (
        EvidenceLink.objects.filter(
            revision__evidence__portfolio_id__in=portfolio_ids,
            revision__status=SIGNED_OFF,
            revision__signed_off_level__isnull=False,
            accepted=True,
        )
        .values(
            "revision__evidence__portfolio_id", "competency__code", "revision__signed_off_level"
        )
        .annotate(at=signed_off_at())
        .order_by()
    )
    for row in rows:
        signed.setdefault(row["revision__evidence__portfolio_id"], []).append(
            (row["competency__code"], row["revision__signed_off_level"], row["at"])
        )

    # 3. CPD hours this calendar year, counted as the dashboard's hours_summary counts them:
    # CPD activities by their current revision's date and hours.
    year_start = today.replace(month=1, day=1)
    hours = dict(
        Evidence.objects.filter(
            portfolio_id__in=portfolio_ids,
            kind=EvidenceKind.CPD_ACTIVITY,
            current__date__gte=year_start,
            current__date__lte=today,
        )
        .values("portfolio_id")
        .annotate(h=Sum("current__hours"))
        .order_by()
        .values_list("portfolio_id", "h")
    )

    # 4. Current register entries, the highest level first.
    entries: dict[int, RegisterEntry] = {}
    for entry in RegisterEntry.objects.filter(
        user_id__in=[m.user_id for m in memberships], status=RegisterEntry.Status.CURRENT
    ).order_by("-level", "-valid_to"):
        entries.setdefault(entry.user_id, entry)

    out = []
    for m in memberships:
        portfolio = portfolios[m.pk]
        target = m.target_level or (portfolio.target_level if portfolio else None) or 2
        codes = codes_by_framework.get(portfolio.framework_id, []) if portfolio else []
        levels = dict.fromkeys((code for code, _ in codes), 0)
        first: dict[str, dt.datetime] = {}
        for code, level, at in signed.get(portfolio.pk, []) if portfolio else []:
            if code not in levels:
                continue  # a competency of another framework version
            levels[code] = max(levels[code], level)
            if level >= target and (code not in first or at < first[code]):
                first[code] = at
        by_domain: dict[int, int] = {}
        totals: dict[int, int] = {}
        for code, domain in codes:
            by_domain[domain] = by_domain.get(domain, 0) + (levels[code] >= target)
            totals[domain] = totals.get(domain, 0) + 1
        out.append(
            MemberSummary(
                membership=m,
                name=m.user.get_full_name() or m.user.email,
                role=m.role,
                role_label=m.get_role_display() if m.role else "No role given",
                wte=m.wte,
                target_level=target,
                achieved_level=min(levels.values()) if levels else 0,
                signed_off_by_domain=by_domain,
                domain_totals=totals,
                code_levels=levels,
                cpd_hours_this_year=Decimal(
                    hours.get(portfolio.pk) or 0 if portfolio else 0
                ).quantize(Decimal("0.01")),
                register_status=register_status(entries.get(m.user_id)),
                has_portfolio=portfolio is not None,
                first_signed={c: timezone.localtime(at).date() for c, at in first.items()},
            )
        )
    return out


def member_summaries(service: Service, today: dt.date | None = None) -> list[MemberSummary]:
    """Every current member of `service` who shares a summary (six queries)."""
    return summarise(sharing_members(service), today)


def member_summary(membership: Membership, today: dt.date | None = None) -> MemberSummary:
    """What this one membership shares (or would share: the member's own "what I share" page
    shows it before and after consent)."""
    return summarise([membership], today)[0]


def framework_facts(
    summaries: list[MemberSummary],
) -> tuple[list[DomainInfo], dict[str, str], bool]:
    """The domains of the members' frameworks (the widest count of competencies in each, for
    the header), each competency's title by code, and whether any of those texts are this
    project's illustrative ones (one query)."""
    framework_ids = {s.membership.user.portfolio.framework_id for s in summaries if s.has_portfolio}
    domains: dict[int, str] = {}
    titles: dict[str, str] = {}
    illustrative = False
    for number, domain_title, code, title, is_illustrative in (
        Competency.objects.filter(framework_id__in=framework_ids)
        .order_by("framework_id", "order")
        .values_list(
            "domain__number", "domain__title", "code", "title", "framework__is_illustrative"
        )
    ):
        domains.setdefault(number, domain_title)
        titles.setdefault(code, title)
        illustrative = illustrative or is_illustrative
    return (
        [
            DomainInfo(
                number, title, max((s.domain_totals.get(number, 0) for s in summaries), default=0)
            )
            for number, title in sorted(domains.items())
        ],
        titles,
        illustrative,
    )


def progress_months(today: dt.date | None = None, months: int = 12) -> list[dt.date]:
    """The ends of the quarters of the last `months` months: the start and four points."""
    ends = month_ends(months + 1, today or timezone.localdate())
    return ends[::3]
