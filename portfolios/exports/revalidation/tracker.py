"""The tracker: each requirement of the practitioner's regulator, counted over the current
cycle from the records and the evidence already kept, as a number against its target.

Counted only from items dated inside the cycle whose current revision is not returned (a
returned item is not part of a pack) and that are not archived. The regulators' packs print
the same numbers (documents.py reads them from here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
)
from django.urls import reverse
from django.utils import timezone

from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.bodies import HCPC, NMC, SWE, Cycle
from portfolios.exports.revalidation.models import (
    Confirmation,
    Declaration,
    HcpcProfile,
    PracticeHours,
    ReflectiveDiscussion,
)
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision, Portfolio

HOURS = "hours"
COUNT = "count"
CHECK = "check"  # done or not done: shown as a tick or a cross, not a bar of numbers


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    value: Decimal
    target: Decimal
    unit: str  # HOURS | COUNT | CHECK
    url: str
    action: str
    noun: str = ""  # "reflective account,reflective accounts" for a COUNT
    detail: str = ""  # a sentence under the bar, e.g. what a discussion still lacks

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
class Tracker:
    body: str
    body_label: str
    cycle: Cycle | None
    today: dt.date
    rows: list[Requirement] = field(default_factory=list)
    # For bodies without targets: what the last twelve months hold.
    cpd_hours: Decimal = Decimal(0)
    cpd_count: int = 0

    @property
    def needs_date(self) -> bool:
        return self.cycle is None

    @property
    def has_targets(self) -> bool:
        return bool(self.rows)

    @property
    def days_left(self) -> int | None:
        if self.cycle is None or not self.cycle.has_deadline:
            return None
        return self.cycle.days_left(self.today)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def window_open(self) -> bool:
        opens = self.cycle.window_opens if self.cycle else None
        return bool(opens and opens <= self.today <= self.cycle.end)  # type: ignore[union-attr]

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.rows if r.met)

    @property
    def all_met(self) -> bool:
        return bool(self.rows) and self.met_count == len(self.rows)

    @property
    def unmet(self) -> list[Requirement]:
        return [r for r in self.rows if not r.met]

    @property
    def by_key(self) -> dict[str, Requirement]:
        return {r.key: r for r in self.rows}


def _dec(value: object) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def counted_items(portfolio: Portfolio, cycle: Cycle, kinds: tuple[str, ...]) -> list[dict]:
    """The current revision of each live item of these kinds dated in the cycle, not returned:
    what every body's count and pack is made from (one query)."""
    return list(
        Evidence.objects.filter(
            portfolio=portfolio,
            kind__in=kinds,
            archived_at__isnull=True,
            current__date__gte=cycle.start,
            current__date__lte=cycle.end,
        )
        .exclude(current__status=EvidenceRevision.Status.RETURNED)
        .order_by("current__date", "pk")
        .values(
            "pk",
            "kind",
            "current__title",
            "current__date",
            "current__hours",
            "current__is_participatory",
            "current__details",
        )
    )


def _new(kind: str) -> str:
    return reverse("portfolios:evidence_create", args=[kind])


def _nmc_records(portfolio: Portfolio, cycle: Cycle) -> dict[str, Any]:
    """The NMC records' part of the tracker in one query: practice hours overlapping the
    cycle, the discussion covering the most accounts (None: no discussion), whether a
    confirmation was given in the window, and how many declarations were made for the date."""
    window_start, window_end = bodies.confirmation_window(cycle)
    mine = OuterRef("pk")
    practice = (
        PracticeHours.objects.filter(portfolio=mine, start__lte=cycle.end, end__gte=cycle.start)
        .values("portfolio")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    covered = (
        ReflectiveDiscussion.objects.filter(
            portfolio=mine, date__gte=cycle.start, date__lte=cycle.end
        )
        .annotate(covered=Count("accounts"))
        .order_by("-covered")
        .values("covered")[:1]
    )
    declared = (
        Declaration.objects.filter(portfolio=mine, revalidation_date=cycle.end)
        .values("portfolio")
        .annotate(n=Count("pk"))
        .values("n")
    )
    confirmed = Confirmation.objects.filter(
        portfolio=mine,
        revalidation_date=cycle.end,
        status=Confirmation.Status.CONFIRMED,
        confirmed_on__gte=window_start,
        confirmed_on__lte=window_end,
    )
    return (
        Portfolio.objects.filter(pk=portfolio.pk)
        .annotate(
            practice=Subquery(practice, output_field=DecimalField()),
            covered=Subquery(covered, output_field=IntegerField()),
            declared=Subquery(declared, output_field=IntegerField()),
            confirmed=Exists(confirmed),
        )
        .values("practice", "covered", "declared", "confirmed")
        .get()
    )


def _nmc(portfolio: Portfolio, cycle: Cycle) -> list[Requirement]:
    items = counted_items(
        portfolio,
        cycle,
        (EvidenceKind.CPD_ACTIVITY, EvidenceKind.REFLECTIVE_ACCOUNT, EvidenceKind.FEEDBACK),
    )
    cpd = [i for i in items if i["kind"] == EvidenceKind.CPD_ACTIVITY]
    cpd_hours = sum((i["current__hours"] or Decimal(0) for i in cpd), Decimal(0))
    participatory = sum(
        (i["current__hours"] or Decimal(0) for i in cpd if i["current__is_participatory"]),
        Decimal(0),
    )
    accounts = sum(1 for i in items if i["kind"] == EvidenceKind.REFLECTIVE_ACCOUNT)
    feedback = sum(1 for i in items if i["kind"] == EvidenceKind.FEEDBACK)
    records = _nmc_records(portfolio, cycle)
    practice = records["practice"]
    covered = records["covered"]  # None: no discussion in the cycle
    wanted = bodies.NMC_REFLECTIVE_ACCOUNTS
    if covered is None:
        discussion_met, discussion_detail = False, ""
    else:
        discussion_met = covered >= wanted
        discussion_detail = (
            f"Recorded; it covers {covered} of the {wanted} reflective accounts."
            if not discussion_met
            else f"Recorded, covering your {wanted} reflective accounts."
        )
    window_start, _ = bodies.confirmation_window(cycle)
    confirmed, declared = records["confirmed"], records["declared"] or 0
    hours_url = reverse("exports:revalidation_hours") + "#add-hours"
    return [
        Requirement(
            "practice_hours",
            "Practice hours",
            _dec(practice),
            bodies.nmc_practice_hours_target(portfolio),
            HOURS,
            hours_url,
            "Record practice hours",
            detail="900 hours because you are registered as both a nurse and a midwife."
            if portfolio.nmc_dual_registration
            else "",
        ),
        Requirement(
            "cpd_hours",
            "CPD hours",
            _dec(cpd_hours),
            bodies.NMC_CPD_HOURS,
            HOURS,
            _new(EvidenceKind.CPD_ACTIVITY),
            "Add a CPD activity",
        ),
        Requirement(
            "cpd_participatory",
            "Participatory CPD hours",
            _dec(participatory),
            bodies.NMC_PARTICIPATORY_HOURS,
            HOURS,
            _new(EvidenceKind.CPD_ACTIVITY),
            "Add a participatory CPD activity",
            detail="Learning with other people, in person or online.",
        ),
        Requirement(
            "reflective_accounts",
            "Written reflective accounts",
            Decimal(accounts),
            Decimal(wanted),
            COUNT,
            _new(EvidenceKind.REFLECTIVE_ACCOUNT) + "?template=nmc",
            "Write a reflective account on the NMC form",
            noun="reflective account,reflective accounts",
        ),
        Requirement(
            "feedback",
            "Practice-related feedback",
            Decimal(feedback),
            Decimal(bodies.NMC_FEEDBACK),
            COUNT,
            _new(EvidenceKind.FEEDBACK),
            "Record feedback",
            noun="piece of feedback,pieces of feedback",
        ),
        Requirement(
            "discussion",
            "Reflective discussion",
            Decimal(int(discussion_met)),
            Decimal(1),
            CHECK,
            reverse("exports:revalidation_discussions") + "#add-discussion",
            "Record your reflective discussion",
            detail=discussion_detail,
        ),
        Requirement(
            "declarations",
            "Health, character and indemnity declarations",
            Decimal(declared),
            Decimal(len(Declaration.Kind.choices)),
            COUNT,
            reverse("exports:revalidation_declarations") + "#make-declarations",
            "Make your declarations",
            noun="declaration,declarations",
        ),
        Requirement(
            "confirmation",
            "Confirmation",
            Decimal(int(confirmed)),
            Decimal(1),
            CHECK,
            reverse("exports:revalidation_confirmation") + "#ask-confirmer",
            "Ask your confirmer",
            detail=f"Your confirmer confirms in the 12 months before "
            f"{cycle.end:%-d %B %Y}, from {window_start:%-d %B %Y}.",
        ),
    ]


def _hcpc(portfolio: Portfolio, cycle: Cycle, today: dt.date) -> list[Requirement]:
    # For the HCPC every kind of evidence is CPD (courses, reflection, supervision, feedback
    # and observation are all "learning activities"), as the profile page lists them.
    cpd = counted_items(portfolio, cycle, tuple(EvidenceKind.values))
    methods = {
        (i["current__details"] or {}).get("method") or i["kind"]
        if i["kind"] == EvidenceKind.CPD_ACTIVITY
        else i["kind"]
        for i in cpd
    }
    profile = HcpcProfile.objects.filter(portfolio=portfolio, renewal_date=cycle.end).first()
    summary = bodies.word_count(profile.summary) if profile else 0
    statement = bodies.word_count(profile.statement) if profile else 0
    notes: dict[str, Any] = (profile.gap_notes if profile else {}) or {}
    gaps = bodies.cpd_gaps([i["current__date"] for i in cpd], cycle, today)
    unexplained = [g for g in gaps if not str(notes.get(g.key, "")).strip()]
    page = reverse("exports:revalidation_hcpc")
    new_cpd = _new(EvidenceKind.CPD_ACTIVITY)
    return [
        Requirement(
            "cpd_activities",
            "CPD recorded (standard 1)",
            Decimal(len(cpd)),
            Decimal(bodies.HCPC_MIN_ACTIVITIES),
            COUNT,
            new_cpd,
            "Add a CPD activity",
            noun="activity,activities",
            detail="Every kind of evidence counts. A profile usually describes four to six.",
        ),
        Requirement(
            "cpd_mixture",
            "A mixture of kinds of learning (standard 2)",
            Decimal(len(methods)),
            Decimal(2),
            COUNT,
            new_cpd,
            "Add a different kind of CPD",
            noun="kind of learning,kinds of learning",
            detail="Counted from the kinds of evidence and each CPD activity's method.",
        ),
        Requirement(
            "summary",
            "Summary of your practice history",
            Decimal(int(0 < summary <= bodies.HCPC_SUMMARY_WORDS)),
            Decimal(1),
            CHECK,
            f"{page}#summary",
            "Write your summary",
            detail=f"{summary} of up to {bodies.HCPC_SUMMARY_WORDS} words.",
        ),
        Requirement(
            "statement",
            "Statement on standards 3 and 4",
            Decimal(int(0 < statement <= bodies.HCPC_STATEMENT_WORDS)),
            Decimal(1),
            CHECK,
            f"{page}#statement",
            "Write your statement",
            detail=f"{statement:,} of up to {bodies.HCPC_STATEMENT_WORDS:,} words.",
        ),
        Requirement(
            "gaps",
            "Gaps of three months or more explained",
            Decimal(int(not unexplained)),
            Decimal(1),
            CHECK,
            f"{page}#gaps",
            "Explain the gaps",
            detail=(
                f"{len(unexplained)} of {len(gaps)} gaps not yet explained."
                if unexplained
                else ("No gaps." if not gaps else "Every gap explained.")
            ),
        ),
    ]


def _swe(portfolio: Portfolio, cycle: Cycle) -> list[Requirement]:
    items = counted_items(
        portfolio, cycle, (EvidenceKind.CPD_ACTIVITY, EvidenceKind.REFLECTIVE_ACCOUNT)
    )
    peer = sum(
        1 for i in items if str((i["current__details"] or {}).get("peer_reflection", "")).strip()
    )
    return [
        Requirement(
            "cpd_pieces",
            "Pieces of CPD recorded",
            Decimal(len(items)),
            Decimal(bodies.SWE_MIN_CPD),
            COUNT,
            _new(EvidenceKind.CPD_ACTIVITY),
            "Add a CPD activity",
            noun="piece of CPD,pieces of CPD",
            detail="CPD activities and reflective accounts dated in this registration year.",
        ),
        Requirement(
            "peer_reflection",
            "CPD discussed in a peer reflection",
            Decimal(peer),
            Decimal(bodies.SWE_MIN_PEER),
            COUNT,
            reverse("exports:revalidation_swe"),
            "Record a peer reflection",
            noun="piece,pieces",
            detail="Add who you discussed it with to a CPD activity or reflective account.",
        ),
    ]


def tracker_for(portfolio: Portfolio, today: dt.date | None = None) -> Tracker:
    today = today or timezone.localdate()
    cycle = bodies.current_cycle(portfolio, today)
    body = portfolio.professional_body
    label = portfolio.get_professional_body_display()
    if cycle is None:
        return Tracker(body, label, None, today)
    if body == NMC:
        return Tracker(body, label, cycle, today, _nmc(portfolio, cycle))
    if body == HCPC:
        return Tracker(body, label, cycle, today, _hcpc(portfolio, cycle, today))
    if body == SWE:
        return Tracker(body, label, cycle, today, _swe(portfolio, cycle))
    totals = (
        Evidence.objects.filter(
            portfolio=portfolio,
            kind=EvidenceKind.CPD_ACTIVITY,
            archived_at__isnull=True,
            current__date__gte=cycle.start,
            current__date__lte=cycle.end,
        )
        .exclude(current__status=EvidenceRevision.Status.RETURNED)
        .aggregate(hours=Sum("current__hours"), count=Count("pk"))
    )
    return Tracker(
        body,
        label,
        cycle,
        today,
        cpd_hours=_dec(totals["hours"]),
        cpd_count=totals["count"],
    )
