"""Reads behind the dashboard's progress language: the onboarding steps the portfolio can
answer itself, the chart of progress over time, and which links of an item count and why.

Kept apart from `selectors.py` only for size; these are selectors like the others (reads,
a fixed number of queries however large the portfolio).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from portfolios.models import (
    Evidence,
    EvidenceEvent,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    Rating,
    SelfAssessment,
)
from portfolios.panels import DONE, IN_PROGRESS, NOT_STARTED, Task

if TYPE_CHECKING:  # selectors imports this module
    from portfolios.selectors import Hours

Status = EvidenceRevision.Status


# --- Onboarding -------------------------------------------------------------------------------


def domain_fully_rated(domain_progress: Any) -> bool:
    """Every competency of the domain has a current rating other than "not yet assessed"."""
    return all(
        s.assessment is not None and s.assessment.rating != Rating.NOT_ASSESSED
        for s in domain_progress.states
    )


def own_onboarding_steps(
    portfolio: Portfolio, domains: Sequence[Any], hours: Hours
) -> list[tuple[int, Task]]:
    """The steps the portfolio itself can answer, with no query of their own: the ratings
    come from the dashboard's states, the item counts from its `hours_summary` (`hours`).
    Supervision and the register add theirs through portfolios.panels."""
    rated = [dp for dp in domains if domain_fully_rated(dp)]
    next_domain = next((dp for dp in domains if not domain_fully_rated(dp)), None)
    any_rating = any(s.assessment is not None for dp in domains for s in dp.states)
    rate_status = (
        DONE if next_domain is None else IN_PROGRESS if rated or any_rating else NOT_STARTED
    )
    rate_url = reverse(
        "portfolios:assess_domain",
        args=[(next_domain or domains[0]).domain.number if domains else 1],
    )
    if hours.ever_signed_off:
        sign_off = Task(
            "Get your first sign-off", None, DONE, "A supervisor has signed off evidence."
        )
    elif hours.waiting_count:
        sign_off = Task(
            "Get your first sign-off",
            reverse("portfolios:evidence_list"),
            IN_PROGRESS,
            "Waiting for your supervisor to review what you submitted.",
        )
    else:
        sign_off = Task(
            "Get your first sign-off",
            reverse("portfolios:evidence_list"),
            NOT_STARTED,
            "Submit an item to your supervisor for review.",
        )
    return [
        (10, Task("Set up your portfolio", reverse("portfolios:profile"), DONE)),
        (
            20,
            Task(
                f"Rate yourself in all {len(domains)} domains",
                None if rate_status == DONE else rate_url,
                rate_status,
                f"{len(rated)} of {len(domains)} domains rated at your level.",
            ),
        ),
        (
            30,
            Task(
                "Write your first reflective account",
                None
                if hours.reflective_count
                else reverse("portfolios:evidence_create", args=[EvidenceKind.REFLECTIVE_ACCOUNT]),
                DONE if hours.reflective_count else NOT_STARTED,
                "What happened, so what, now what.",
            ),
        ),
        (50, sign_off),
    ]


# --- Progress over time ------------------------------------------------------------------------


def signed_off_at() -> Coalesce:
    """When an accepted link's revision was signed off, for `.annotate()` on EvidenceLink
    rows: the sign-off event's time, or the revision's last change for sign-offs recorded
    before events were kept."""
    return Coalesce(
        Min(
            "revision__events__created_at",
            filter=Q(revision__events__action=EvidenceEvent.Action.SIGNED_OFF),
        ),
        Min("revision__updated_at"),
    )


def month_ends(months: int, today: dt.date) -> list[dt.date]:
    """The last day of each of the last `months` months, the current one ending today."""
    ends = []
    cursor = today
    for _ in range(months):
        ends.append(cursor)
        cursor = cursor.replace(day=1) - dt.timedelta(days=1)
    ends.reverse()
    return ends


def _nice_step(top: int) -> int:
    """A tick step giving at most about six labelled lines up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if top / step <= 6:
            return step
    return math.ceil(top / 6)


@dataclass(frozen=True)
class ProgressChart:
    """Month by month: how many competencies were signed off and how many rated achieved."""

    level: int
    total: int
    months: list[dt.date]
    signed_off: list[int]
    achieved: list[int]

    # Geometry of the SVG (its viewBox); the template only places what these answer.
    # 480 wide so that on a 375 px phone the labels stay about 11 px high.
    WIDTH = 480
    HEIGHT = 300
    LEFT = 44
    RIGHT = 24
    TOP = 20
    BOTTOM = 56

    @property
    def rows(self) -> list[tuple[dt.date, int, int]]:
        return list(zip(self.months, self.signed_off, self.achieved, strict=True))

    @property
    def plot_bottom(self) -> int:
        return self.HEIGHT - self.BOTTOM

    @property
    def plot_right(self) -> int:
        return self.WIDTH - self.RIGHT

    def x(self, index: int) -> float:
        span = self.WIDTH - self.LEFT - self.RIGHT
        return round(self.LEFT + span * index / max(len(self.months) - 1, 1), 1)

    def y(self, value: int) -> float:
        span = self.HEIGHT - self.TOP - self.BOTTOM
        return round(self.plot_bottom - span * value / max(self.total, 1), 1)

    def _points(self, values: list[int]) -> str:
        return " ".join(f"{self.x(i)},{self.y(v)}" for i, v in enumerate(values))

    @property
    def signed_off_points(self) -> str:
        return self._points(self.signed_off)

    @property
    def achieved_points(self) -> str:
        return self._points(self.achieved)

    @property
    def signed_off_markers(self) -> list[tuple[float, float]]:
        """Top-left corners of 8 × 8 squares centred on each point."""
        return [
            (round(self.x(i) - 4, 1), round(self.y(v) - 4, 1))
            for i, v in enumerate(self.signed_off)
        ]

    @property
    def achieved_markers(self) -> list[tuple[float, float]]:
        return [(self.x(i), self.y(v)) for i, v in enumerate(self.achieved)]

    @property
    def y_ticks(self) -> list[tuple[int, float]]:
        step = _nice_step(max(self.total, 1))
        values = list(range(0, self.total + 1, step))
        if values[-1] != self.total:
            # The top of the scale is the number of competencies; a tick just under it
            # would print on top of it.
            if self.total - values[-1] < step / 2:
                values.pop()
            values.append(self.total)
        return [(v, self.y(v)) for v in values]

    @property
    def x_ticks(self) -> list[tuple[str, str, float]]:
        """(month, year shown under January and the first month, x)."""
        return [
            (m.strftime("%b"), str(m.year) if i == 0 or m.month == 1 else "", self.x(i))
            for i, m in enumerate(self.months)
        ]

    @property
    def summary(self) -> str:
        first, last = self.months[0], self.months[-1]
        return (
            f"From {first:%B %Y} to {last:%B %Y}: signed off at Level {self.level} went from "
            f"{self.signed_off[0]} to {self.signed_off[-1]} of {self.total} competencies; "
            f"rated achieved by you went from {self.achieved[0]} to {self.achieved[-1]}."
        )


def progress_chart(
    portfolio: Portfolio, total: int, months: int = 12, today: dt.date | None = None
) -> ProgressChart:
    """Signed off and self-assessed achieved at the end of each month (two queries).

    Signed off: a competency counts from its first accepted sign-off at or above the target
    level (the sign-off event's time). Achieved: the current rating at the month's end, walked
    through the append-only rating history."""
    today = today or timezone.localdate()
    level = portfolio.target_level
    ends = month_ends(months, today)
    first_signed = (
        EvidenceLink.objects.filter(
            revision__evidence__portfolio=portfolio,
            revision__status=Status.SIGNED_OFF,
            revision__signed_off_level__gte=level,
            accepted=True,
        )
        .values("competency_id")
        .annotate(at=signed_off_at())
    )
    signed_days = sorted(timezone.localtime(row["at"]).date() for row in first_signed)
    signed_series = [sum(1 for day in signed_days if day <= end) for end in ends]

    rows = (
        SelfAssessment.objects.filter(portfolio=portfolio, level=level)
        .values_list("competency_id", "rating", "created_at")
        .order_by("created_at", "id")
    )
    current: dict[int, str] = {}
    achieved_series = []
    rows_iter = iter(rows)
    pending = next(rows_iter, None)
    for end in ends:
        while pending is not None and timezone.localtime(pending[2]).date() <= end:
            current[pending[0]] = pending[1]
            pending = next(rows_iter, None)
        achieved_series.append(sum(1 for r in current.values() if r == Rating.ACHIEVED))
    return ProgressChart(
        level=level, total=total, months=ends, signed_off=signed_series, achieved=achieved_series
    )


# --- Which links count ---------------------------------------------------------------------------

COUNTS = "counts"
NOT_YET = "not_yet"
DOES_NOT_COUNT = "does_not_count"


@dataclass(frozen=True)
class LinkVerdict:
    """Whether an item's link to a competency counts towards "signed off" at a level, and why."""

    evidence: Evidence
    verdict: str  # COUNTS | NOT_YET | DOES_NOT_COUNT
    reason: str
    note: str = ""  # e.g. a newer draft that is not signed off yet
    rationale: str = ""  # "how this shows it", from the revision the verdict is about

    @property
    def counts(self) -> bool:
        return self.verdict == COUNTS

    @property
    def label(self) -> str:
        return LABELS[self.verdict]

    @property
    def tone(self) -> str:
        return TONES[self.verdict]


LABELS = {COUNTS: "Counts", NOT_YET: "Does not count yet", DOES_NOT_COUNT: "Does not count"}
TONES = {COUNTS: "green", NOT_YET: "yellow", DOES_NOT_COUNT: "red"}


def _verdict_of(link: EvidenceLink, level: int) -> tuple[str, str]:
    revision = link.revision
    if revision.status == Status.SIGNED_OFF:
        if not link.accepted:
            return DOES_NOT_COUNT, "your supervisor did not accept this link when signing off"
        if (revision.signed_off_level or 0) < level:
            return (
                DOES_NOT_COUNT,
                f"signed off at Level {revision.signed_off_level}, below your Level {level}",
            )
        return COUNTS, f"signed off at Level {revision.signed_off_level}"
    if revision.status == Status.SUBMITTED:
        return NOT_YET, "awaiting sign-off by your supervisor"
    if revision.status == Status.RETURNED:
        return DOES_NOT_COUNT, "returned for changes; edit it and submit it again"
    return NOT_YET, "a draft; submit it to your supervisor for review"


def link_verdicts(portfolio: Portfolio, competency_id: int, level: int) -> list[LinkVerdict]:
    """Each item that links this competency, now or in a signed-off revision, with whether
    that link counts at `level` (one query). The best revision of an item decides: a revision
    signed off earlier still counts while a newer draft is being written."""
    links = (
        EvidenceLink.objects.filter(
            competency_id=competency_id, revision__evidence__portfolio=portfolio
        )
        .filter(
            Q(revision_id=F("revision__evidence__current")) | Q(revision__status=Status.SIGNED_OFF)
        )
        .select_related("revision__evidence__current")
        .order_by("-revision__evidence__updated_at", "-revision__evidence_id", "-revision__number")
    )
    by_item: dict[int, list[EvidenceLink]] = {}
    for link in links:
        by_item.setdefault(link.revision.evidence_id, []).append(link)
    rank = {COUNTS: 0, NOT_YET: 1, DOES_NOT_COUNT: 2}
    out = []
    for item_links in by_item.values():
        evidence = item_links[0].revision.evidence
        judged = [(link, *_verdict_of(link, level)) for link in item_links]
        best, verdict, reason = min(judged, key=lambda j: (rank[j[1]], -j[0].revision.number))
        note = ""
        current = evidence.current
        if best.revision_id != evidence.current_id and current is not None:
            if any(link.revision_id == evidence.current_id for link in item_links):
                status = current.get_status_display().lower()
                note = f"Revision {current.number} ({status}) is not signed off yet."
            else:
                note = f"Revision {current.number} no longer links this competency."
        out.append(LinkVerdict(evidence, verdict, reason, note, best.rationale))
    return out


def link_verdict(link: EvidenceLink, level: int) -> dict[str, str]:
    """One link of one revision, for the item's own page: label, tag tone and the reason."""
    verdict, reason = _verdict_of(link, level)
    return {"verdict": verdict, "label": LABELS[verdict], "tone": TONES[verdict], "reason": reason}
