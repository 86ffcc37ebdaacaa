"""Revalidation progress: the checklist the revalidation pack prints, as numbers against the
body's targets, for the app's pages (the revalidation page and a dashboard panel).

The pack (snapshot._revalidation) counts the same things over the period asked for; here the
period is the last three years, a regulator's revalidation cycle. Issue 13 makes the targets
per regulator: `targets_for` is the one place that chooses them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from portfolios.exports.models import PracticeHours, ReflectiveDiscussion
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision, Portfolio

HOURS = "hours"
COUNT = "count"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    value: Decimal
    target: Decimal
    unit: str  # HOURS | COUNT
    noun: str  # "reflective account,reflective accounts" for a COUNT
    url: str
    action: str

    @property
    def met(self) -> bool:
        return self.value >= self.target

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return min(100, int(100 * self.value / self.target))

    @property
    def remaining(self) -> Decimal:
        return max(self.target - self.value, Decimal(0))


@dataclass(frozen=True)
class RevalidationProgress:
    start: dt.date
    end: dt.date
    targets: list[Target]

    @property
    def met_count(self) -> int:
        return sum(1 for t in self.targets if t.met)

    @property
    def all_met(self) -> bool:
        return self.met_count == len(self.targets)

    @property
    def by_key(self) -> dict[str, Target]:
        return {t.key: t for t in self.targets}


def targets_for(portfolio: Portfolio) -> dict[str, Decimal]:
    """The targets that apply to this person (one set for now; per regulator in issue 13)."""
    return {k: Decimal(v) for k, v in settings.REVALIDATION_TARGETS.items()}


def cycle_start(today: dt.date) -> dt.date:
    """The day after the same date three years ago: the last three years, as on the dashboard."""
    try:
        return today.replace(year=today.year - 3) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 3, day=28) + dt.timedelta(days=1)


def revalidation_progress(
    portfolio: Portfolio,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RevalidationProgress:
    """What the pack's checklist counts, from the current revision of each item dated in the
    period (returned items left out: they are not part of the pack), the practice hours whose
    dates overlap it and the reflective discussions in it (three queries)."""
    end = end or timezone.localdate()
    start = start or cycle_start(end)
    targets = targets_for(portfolio)
    in_period = Q(current__date__gte=start, current__date__lte=end)
    cpd = Q(kind=EvidenceKind.CPD_ACTIVITY) & in_period
    totals = (
        Evidence.objects.filter(portfolio=portfolio, current__isnull=False)
        .exclude(current__status=EvidenceRevision.Status.RETURNED)
        .aggregate(
            cpd=Sum("current__hours", filter=cpd),
            participatory=Sum("current__hours", filter=cpd & Q(current__is_participatory=True)),
            reflective=Count("pk", filter=Q(kind=EvidenceKind.REFLECTIVE_ACCOUNT) & in_period),
            feedback=Count("pk", filter=Q(kind=EvidenceKind.FEEDBACK) & in_period),
        )
    )
    practice = PracticeHours.objects.filter(
        portfolio=portfolio, start__lte=end, end__gte=start
    ).aggregate(total=Sum("hours"))["total"]
    discussions = ReflectiveDiscussion.objects.filter(
        portfolio=portfolio, date__gte=start, date__lte=end
    ).count()
    revalidation = reverse("exports:revalidation")
    new_cpd = reverse("portfolios:evidence_create", args=[EvidenceKind.CPD_ACTIVITY])

    def dec(value: object) -> Decimal:
        return Decimal(value or 0).quantize(Decimal("0.01"))

    rows = [
        Target(
            "practice_hours",
            "Practice hours",
            dec(practice),
            targets["practice_hours"],
            HOURS,
            "",
            f"{revalidation}#practice-hours",
            "Record practice hours",
        ),
        Target(
            "cpd_hours",
            "CPD hours",
            dec(totals["cpd"]),
            targets["cpd_hours"],
            HOURS,
            "",
            new_cpd,
            "Add a CPD activity",
        ),
        Target(
            "cpd_participatory",
            "Participatory CPD hours",
            dec(totals["participatory"]),
            targets["cpd_participatory"],
            HOURS,
            "",
            new_cpd,
            "Add a participatory CPD activity",
        ),
        Target(
            "reflective_accounts",
            "Reflective accounts",
            Decimal(totals["reflective"]),
            targets["reflective_accounts"],
            COUNT,
            "reflective account,reflective accounts",
            reverse("portfolios:evidence_create", args=[EvidenceKind.REFLECTIVE_ACCOUNT]),
            "Write a reflective account",
        ),
        Target(
            "feedback",
            "Practice-related feedback",
            Decimal(totals["feedback"]),
            targets["feedback"],
            COUNT,
            "piece of feedback,pieces of feedback",
            reverse("portfolios:evidence_create", args=[EvidenceKind.FEEDBACK]),
            "Record feedback",
        ),
        Target(
            "discussion",
            "Reflective discussion",
            Decimal(discussions),
            Decimal(1),
            COUNT,
            "discussion,discussions",
            f"{revalidation}#discussions",
            "Record a reflective discussion",
        ),
    ]
    return RevalidationProgress(start=start, end=end, targets=rows)
