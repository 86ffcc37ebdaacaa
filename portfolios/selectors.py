"""Reads of a portfolio, shaped for its pages, with a query count independent of its size."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from competencies.content import framework_content
from competencies.models import Competency, Descriptor, Domain
from portfolios.models import (
    DevelopmentGoal,
    Evidence,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    Rating,
    SelfAssessment,
)
from portfolios.panels import FilledPanel, Task, dashboard_panels, registered_steps
from portfolios.progress import (
    LinkVerdict,
    ProgressChart,
    link_verdicts,
    own_onboarding_steps,
    progress_chart,
)


class CompetencyStatus:
    NOT_STARTED = "not_started"
    WORKING_TOWARDS = "working_towards"
    ACHIEVED = "achieved"
    EVIDENCED = "evidenced"
    SIGNED_OFF = "signed_off"

    ORDER = (NOT_STARTED, WORKING_TOWARDS, ACHIEVED, EVIDENCED, SIGNED_OFF)
    LABELS = {
        NOT_STARTED: "Not started",
        WORKING_TOWARDS: "Working towards",
        ACHIEVED: "Achieved (self-assessed)",
        EVIDENCED: "Evidenced",
        SIGNED_OFF: "Signed off",
    }
    # What each status means, in the words the dashboard's key uses. Keep in step with
    # status_of() and signed_off_competency_ids() below.
    EXPLANATIONS = {
        NOT_STARTED: "You have not rated it “working towards” or “achieved” at your level, "
        "and nothing is signed off for it at your level.",
        WORKING_TOWARDS: "You rated yourself “working towards” it.",
        ACHIEVED: "You rated yourself “achieved”, but no evidence item links to it yet.",
        EVIDENCED: "You rated yourself “achieved” and an evidence item links to it. The item "
        "may still be a draft, waiting for review or returned: it does not count for the "
        "register until a supervisor signs it off.",
        SIGNED_OFF: "A supervisor signed off an item linked to it at your level or above, and "
        "accepted the link. This is what the register counts.",
    }
    # Text symbols as well as colour, so status never depends on colour alone.
    ICONS = {NOT_STARTED: "○", WORKING_TOWARDS: "◐", ACHIEVED: "●", EVIDENCED: "✚", SIGNED_OFF: "✔"}

    @classmethod
    def key(cls) -> list[tuple[str, str, str]]:
        return [(s, cls.ICONS[s], cls.LABELS[s]) for s in cls.ORDER]

    @classmethod
    def explained(cls) -> list[tuple[str, str, str, str]]:
        """(status, symbol, label, what it means), the ladder from the top."""
        return [(s, cls.ICONS[s], cls.LABELS[s], cls.EXPLANATIONS[s]) for s in reversed(cls.ORDER)]


def latest_self_assessments(
    portfolio: Portfolio, level: int, competency_ids: list[int] | None = None
) -> dict[int, SelfAssessment]:
    """The current rating per competency at a level: the newest history row (one query)."""
    rows = SelfAssessment.objects.filter(portfolio=portfolio, level=level)
    if competency_ids is not None:
        rows = rows.filter(competency_id__in=competency_ids)
    newest = rows.values("competency_id").annotate(newest=Max("id")).values("newest")
    return {sa.competency_id: sa for sa in SelfAssessment.objects.filter(id__in=Subquery(newest))}


def linked_competency_ids(portfolio: Portfolio) -> set[int]:
    """Competencies that the current revision of any evidence item links to."""
    return set(
        EvidenceLink.objects.filter(
            revision__evidence__portfolio=portfolio, revision__evidence__current=F("revision")
        )
        # A set: no ordering, so no join to competencies and no sort (Meta.ordering adds both).
        .order_by()
        .values_list("competency_id", flat=True)
        .distinct()
    )


def signed_off_competency_ids(portfolio: Portfolio, level: int) -> set[int]:
    """Competencies accepted in a sign-off at or above `level` (of any revision)."""
    return set(
        EvidenceLink.objects.filter(
            revision__evidence__portfolio=portfolio,
            revision__status=EvidenceRevision.Status.SIGNED_OFF,
            revision__signed_off_level__gte=level,
            accepted=True,  # the supervisor may untick links they do not agree with
        )
        .order_by()
        .values_list("competency_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class CompetencyState:
    competency: Competency
    status: str
    assessment: SelfAssessment | None

    @property
    def label(self) -> str:
        return CompetencyStatus.LABELS[self.status]

    @property
    def icon(self) -> str:
        return CompetencyStatus.ICONS[self.status]

    @property
    def is_gap(self) -> bool:
        return self.status not in (CompetencyStatus.EVIDENCED, CompetencyStatus.SIGNED_OFF)


def status_of(assessment: SelfAssessment | None, linked: bool, signed_off: bool) -> str:
    if signed_off:
        return CompetencyStatus.SIGNED_OFF
    rating = assessment.rating if assessment else Rating.NOT_ASSESSED
    if rating == Rating.ACHIEVED:
        return CompetencyStatus.EVIDENCED if linked else CompetencyStatus.ACHIEVED
    if rating == Rating.WORKING_TOWARDS:
        return CompetencyStatus.WORKING_TOWARDS
    return CompetencyStatus.NOT_STARTED


def competency_states(portfolio: Portfolio, level: int | None = None) -> list[CompetencyState]:
    """Every competency of the portfolio's framework with its status (four queries)."""
    level = level or portfolio.target_level
    competencies = framework_content(portfolio.framework_id).competencies
    latest = latest_self_assessments(portfolio, level)
    linked = linked_competency_ids(portfolio)
    signed = signed_off_competency_ids(portfolio, level)
    return [
        CompetencyState(
            competency=c,
            status=status_of(latest.get(c.pk), c.pk in linked, c.pk in signed),
            assessment=latest.get(c.pk),
        )
        for c in competencies
    ]


@dataclass
class DomainProgress:
    domain: Domain
    states: list[CompetencyState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.states)

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(s.status for s in self.states)
        return {status: counter.get(status, 0) for status in CompetencyStatus.ORDER}

    @property
    def evidenced(self) -> int:
        c = self.counts
        return c[CompetencyStatus.EVIDENCED] + c[CompetencyStatus.SIGNED_OFF]

    @property
    def achieved_or_better(self) -> int:
        return self.evidenced + self.counts[CompetencyStatus.ACHIEVED]

    def percent(self, status: str) -> float:
        return round(100 * self.counts[status] / self.total, 1) if self.total else 0.0

    @property
    def segments(self) -> list[tuple[str, float, int]]:
        order = reversed(CompetencyStatus.ORDER[1:])
        return [(s, self.percent(s), self.counts[s]) for s in order if self.counts[s]]


def by_domain(states: list[CompetencyState]) -> list[DomainProgress]:
    groups: dict[int, DomainProgress] = {}
    for state in states:
        domain = state.competency.domain
        groups.setdefault(domain.pk, DomainProgress(domain=domain)).states.append(state)
    return list(groups.values())


@dataclass(frozen=True)
class Hours:
    cpd_this_year: Decimal
    cpd_this_year_participatory: Decimal
    cpd_three_years: Decimal
    cpd_three_years_participatory: Decimal
    supervision_this_year: Decimal
    supervision_three_years: Decimal
    year_start: dt.date
    three_years_start: dt.date
    # Counted in the same query for the dashboard's "Get started" steps (progress.py):
    item_count: int = 0  # every evidence item
    reflective_count: int = 0  # reflective accounts
    waiting_count: int = 0  # items whose current revision waits for review
    ever_signed_off: bool = False  # any revision of any item


def hours_summary(portfolio: Portfolio, today: dt.date | None = None) -> Hours:
    """CPD and supervision hours from each item's current revision, and the item counts the
    onboarding steps read (two queries)."""
    today = today or timezone.localdate()
    year_start = today.replace(month=1, day=1)
    try:
        three_years_start = today.replace(year=today.year - 3) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        three_years_start = today.replace(year=today.year - 3, day=28) + dt.timedelta(days=1)
    cpd = Q(kind=EvidenceKind.CPD_ACTIVITY)
    sup = Q(kind=EvidenceKind.SUPERVISION)
    this_year = Q(current__date__gte=year_start, current__date__lte=today)
    three_years = Q(current__date__gte=three_years_start, current__date__lte=today)
    participatory = Q(current__is_participatory=True)
    totals = Evidence.objects.filter(portfolio=portfolio).aggregate(
        cpd_this_year=Sum("current__hours", filter=cpd & this_year),
        cpd_this_year_participatory=Sum("current__hours", filter=cpd & this_year & participatory),
        cpd_three_years=Sum("current__hours", filter=cpd & three_years),
        cpd_three_years_participatory=Sum(
            "current__hours", filter=cpd & three_years & participatory
        ),
        supervision_this_year=Sum("current__hours", filter=sup & this_year),
        supervision_three_years=Sum("current__hours", filter=sup & three_years),
        item_count=Count("pk"),
        reflective_count=Count("pk", filter=Q(kind=EvidenceKind.REFLECTIVE_ACCOUNT)),
        waiting_count=Count("pk", filter=Q(current__status=EvidenceRevision.Status.SUBMITTED)),
    )
    counts = {k: totals.pop(k) for k in ("item_count", "reflective_count", "waiting_count")}
    # Its own small query: as an Exists inside the aggregate it cost more ORM time (3 ms a
    # dashboard, profiled) than the query it saved.
    counts["ever_signed_off"] = EvidenceRevision.objects.filter(
        evidence__portfolio=portfolio, status=EvidenceRevision.Status.SIGNED_OFF
    ).exists()
    return Hours(
        **{k: Decimal(v or 0).quantize(Decimal("0.01")) for k, v in totals.items()},
        year_start=year_start,
        three_years_start=three_years_start,
        **counts,
    )


def open_goals(portfolio: Portfolio) -> QuerySet[DevelopmentGoal]:
    return (
        portfolio.goals.filter(status__in=DevelopmentGoal.OPEN_STATUSES)
        .prefetch_related("competencies")
        .order_by(F("target_date").asc(nulls_last=True), "pk")
    )


@dataclass
class Dashboard:
    portfolio: Portfolio
    domains: list[DomainProgress]
    gaps: list[CompetencyState]
    hours: Hours
    chart: ProgressChart
    goals: list[DevelopmentGoal]
    recent: list[Evidence]
    evidence_count: int
    # Filled after the rest: onboarding steps and panels read the dashboard itself.
    tasks: list[Task] = field(default_factory=list)
    panels: list[FilledPanel] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        counter: Counter[str] = Counter()
        for d in self.domains:
            counter.update(d.counts)
        return {status: counter.get(status, 0) for status in CompetencyStatus.ORDER}

    @property
    def evidenced(self) -> int:
        return sum(d.evidenced for d in self.domains)

    @property
    def status_counts(self) -> list[tuple[str, str, str, int]]:
        """(status, symbol, label, how many), from signed off down."""
        totals = self.totals
        return [(s, icon, label, totals[s]) for s, icon, label in reversed(CompetencyStatus.key())]

    @property
    def signed_off(self) -> int:
        """The headline: what the register needs, signed off at the target level or above."""
        return self.totals[CompetencyStatus.SIGNED_OFF]

    @property
    def competency_count(self) -> int:
        return sum(d.total for d in self.domains)

    @property
    def main_panels(self) -> list[FilledPanel]:
        return [p for p in self.panels if p.area == "main"]

    @property
    def side_panels(self) -> list[FilledPanel]:
        return [p for p in self.panels if p.area == "side"]

    @property
    def task_rows(self) -> list[dict[str, object]]:
        return [t.as_dict() for t in self.tasks]

    @property
    def tasks_done(self) -> int:
        return sum(1 for t in self.tasks if t.done)

    @property
    def onboarding_complete(self) -> bool:
        return bool(self.tasks) and self.tasks_done == len(self.tasks)


def onboarding_tasks(dashboard: Dashboard) -> list[Task]:
    """The "Get started" list: the portfolio's own steps and those the layers above add."""
    steps = own_onboarding_steps(dashboard.portfolio, dashboard.domains, dashboard.hours)
    for step in registered_steps():
        task = step.task(dashboard)
        if task is not None:
            steps.append((step.order, task))
    return [task for _, task in sorted(steps, key=lambda s: s[0])]


def dashboard(portfolio: Portfolio) -> Dashboard:
    states = competency_states(portfolio)
    domains = by_domain(states)
    recent = list(portfolio.evidence.select_related("current").order_by("-updated_at", "-pk")[:5])
    hours = hours_summary(portfolio)
    data = Dashboard(
        portfolio=portfolio,
        domains=domains,
        gaps=[s for s in states if s.is_gap],
        hours=hours,
        chart=progress_chart(portfolio, total=len(states)),
        goals=list(open_goals(portfolio)[:5]),
        recent=recent,
        evidence_count=hours.item_count,
    )
    data.tasks = onboarding_tasks(data)
    data.panels = dashboard_panels(data)
    return data


def evidence_for_portfolio(portfolio: Portfolio) -> QuerySet[Evidence]:
    return (
        portfolio.evidence.select_related("current")
        .prefetch_related(
            Prefetch(
                "current__links",
                queryset=EvidenceLink.objects.select_related("competency").order_by(
                    "competency__order"
                ),
            )
        )
        .order_by("-updated_at", "-pk")
    )


@dataclass(frozen=True)
class CompetencyPage:
    competency: Competency
    descriptor: Descriptor | None
    state: CompetencyState
    history: list[SelfAssessment]
    evidence: list[Evidence]
    goals: list[DevelopmentGoal]
    verdicts: list[LinkVerdict] = field(default_factory=list)

    @property
    def counting(self) -> int:
        return sum(1 for v in self.verdicts if v.counts)


def competency_page(portfolio: Portfolio, competency: Competency) -> CompetencyPage:
    level = portfolio.target_level
    history = list(
        SelfAssessment.objects.filter(
            portfolio=portfolio, competency=competency, level=level
        ).order_by("-created_at", "-pk")
    )
    evidence = list(
        evidence_for_portfolio(portfolio).filter(current__links__competency=competency).distinct()
    )
    signed = signed_off_competency_ids(portfolio, level)
    state = CompetencyState(
        competency=competency,
        status=status_of(history[0] if history else None, bool(evidence), competency.pk in signed),
        assessment=history[0] if history else None,
    )
    descriptor = next((d for d in competency.descriptors.all() if d.level.number == level), None)
    goals = list(portfolio.goals.filter(competencies=competency).order_by("-created_at"))
    verdicts = link_verdicts(portfolio, competency.pk, level)
    return CompetencyPage(competency, descriptor, state, history, evidence, goals, verdicts)
