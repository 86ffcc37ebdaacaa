"""Register reads: eligibility at a level and whether an entry can be renewed yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone

from imhcpd.models import User
from portfolios.models import (
    Evidence,
    EvidenceKind,
    EvidenceLink,
    Portfolio,
    ProfessionalBody,
    Rating,
)
from portfolios.selectors import CompetencyState, CompetencyStatus, competency_states
from portfolios.supervision.models import Supervision
from register.models import (
    Application,
    Endorsement,
    Reference,
    RegisterEntry,
)


@dataclass
class Check:
    label: str
    met: bool
    fix_url: str = ""
    fix_label: str = ""
    missing: list[str] = field(default_factory=list)
    # The same, in words for the applicant: why it is not met ("12 competencies … : 1.01 …").
    why: str = ""
    # "1.01 Collaborative working", for the list of what is still missing.
    missing_named: list[str] = field(default_factory=list)


def _competencies(n: int) -> str:
    return f"{n} competenc{'y' if n == 1 else 'ies'}"


def eligibility(
    portfolio: Portfolio, level: int, states: list[CompetencyState] | None = None
) -> list[Check]:
    """What applying at `level` needs, each with whether it is met and where to fix it.
    `states`: the portfolio's competency states at `level`, when the caller has them already
    (the dashboard), so they are not read twice."""
    if states is None:
        states = competency_states(portfolio, level)
    # The practitioner's own current rating, not the status: a sign-off outranks a rating in
    # the status ladder, but someone who re-rated a competency "working towards" has not
    # claimed it.
    ratings = {
        s.competency.code: s.assessment.rating if s.assessment else Rating.NOT_ASSESSED
        for s in states
    }
    not_achieved = [code for code, rating in ratings.items() if rating != Rating.ACHIEVED]
    not_signed = [s.competency.code for s in states if s.status != CompetencyStatus.SIGNED_OFF]
    names = {s.competency.code: f"{s.competency.code} {s.competency.title}" for s in states}
    has_supervisor = Supervision.objects.active().filter(portfolio=portfolio).exists()
    profile_missing = []
    if not portfolio.user.get_full_name().strip():
        profile_missing.append("your full name")
    if portfolio.professional_body != ProfessionalBody.NONE and not portfolio.registration_number:
        profile_missing.append("your registration number")
    return [
        Check(
            f"Every competency at Level {level} self-assessed as achieved",
            not not_achieved,
            reverse("portfolios:assess_domain", args=[int(not_achieved[0].split(".")[0])])
            if not_achieved
            else "",
            "Assess these competencies",
            not_achieved,
            f"{_competencies(len(not_achieved))} not yet self-assessed as achieved at "
            f"Level {level}.",
            [names[c] for c in not_achieved],
        ),
        Check(
            f"Every competency at Level {level} has evidence signed off at Level {level} or above",
            not not_signed,
            reverse("portfolios:competency", args=[not_signed[0]]) if not_signed else "",
            "Add or submit evidence",
            not_signed,
            f"{_competencies(len(not_signed))} still need evidence signed off by a supervisor "
            f"at Level {level} or above.",
            [names[c] for c in not_signed],
        ),
        Check(
            "An active supervisor",
            has_supervisor,
            reverse("supervision:supervisors"),
            "Invite a supervisor",
            why="You have no active supervisor: a supervisor endorses your application.",
        ),
        Check(
            "A complete profile",
            not profile_missing,
            reverse("portfolios:profile"),
            "Complete your profile",
            profile_missing,
            f"Your profile is missing {' and '.join(profile_missing)}." if profile_missing else "",
        ),
    ]


def is_eligible(
    portfolio: Portfolio, level: int, states: list[CompetencyState] | None = None
) -> bool:
    return all(c.met for c in eligibility(portfolio, level, states))


def held_entry(user: User, level: int) -> RegisterEntry | None:
    """A current entry at `level` or above: applying again at that level is pointless (renew
    the entry instead)."""
    return (
        RegisterEntry.objects.for_owner(user)
        .filter(status=RegisterEntry.Status.CURRENT, level__gte=level)
        .order_by("-level")
        .first()
    )


def held_in_words(entry: RegisterEntry, level: int) -> str:
    held = f"Level {entry.level}" + (
        "" if entry.level == level else f", which covers Level {level}"
    )
    return (
        f"You are already on the register at {held} ({entry.number}, valid until "
        f"{entry.valid_to:%-d %B %Y}). Renew that entry instead of applying again."
    )


def start_refusals(user: User, portfolio: Portfolio, level: int) -> list[str]:
    """Why `user` cannot start an application at `level`, in words (empty: they can)."""
    if level not in (1, 2, 3):
        return ["Choose Level 1, 2 or 3."]
    entry = held_entry(user, level)
    if entry:
        return [held_in_words(entry, level)]
    return [c.why or c.label for c in eligibility(portfolio, level) if not c.met]


def renewal_opens(entry: RegisterEntry) -> dt.date:
    """The first day an entry can be renewed (the first expiry reminder goes out then)."""
    return entry.valid_to - dt.timedelta(days=settings.REGISTER_RENEWAL_WINDOW_DAYS)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


@dataclass
class RenewalCheck:
    cpd_hours: Decimal
    supervision_hours: Decimal
    cpd_needed: Decimal
    supervision_needed: Decimal

    @property
    def met(self) -> bool:
        return (
            self.cpd_hours >= self.cpd_needed and self.supervision_hours >= self.supervision_needed
        )


def renewal_check(entry: RegisterEntry, today: dt.date | None = None) -> RenewalCheck:
    """CPD linked to the framework and supervision in the last 12 months (current revisions)."""
    today = today or timezone.localdate()
    since = add_months(today, -12)
    thresholds = settings.REGISTER_RENEWAL_HOURS[entry.level]
    items = Evidence.objects.filter(
        portfolio__user=entry.user, current__date__gt=since, current__date__lte=today
    )
    linked = Exists(EvidenceLink.objects.filter(revision_id=OuterRef("current_id")))
    cpd = items.filter(linked, kind=EvidenceKind.CPD_ACTIVITY).aggregate(h=Sum("current__hours"))
    sup = items.filter(kind=EvidenceKind.SUPERVISION).aggregate(h=Sum("current__hours"))
    totals = {"cpd": cpd["h"], "supervision": sup["h"]}
    return RenewalCheck(
        cpd_hours=Decimal(totals["cpd"] or 0),
        supervision_hours=Decimal(totals["supervision"] or 0),
        cpd_needed=Decimal(thresholds["cpd"]),
        supervision_needed=Decimal(thresholds["supervision"]),
    )


def endorsements_waiting_for(user: User) -> list[Endorsement]:
    """Endorsements asked of this person in a supervision they still give."""
    return list(
        Endorsement.objects.filter(
            status=Endorsement.Status.REQUESTED,
            supervision__in=Supervision.objects.for_supervisor(user),
        ).select_related("application__applicant")
    )


def conflict_of_interest(application: Application, user: User) -> str:
    """Why `user` may not decide `application` (empty if they may): nobody decides an
    application they are party to — their own, one they were asked to endorse, or one they
    were asked to give a reference for."""
    if application.applicant_id == user.pk:
        return "This is your own application, so another administrator must decide it."
    if application.endorsements.filter(supervision__supervisor=user).exists():
        return "You were asked to endorse this applicant; another administrator must decide."
    if (
        user.email
        and application.references.filter(email__iexact=user.email)
        .exclude(status=Reference.Status.WITHDRAWN)
        .exists()
    ):
        return (
            "You were asked for a reference for this application, so another administrator "
            "must decide it."
        )
    return ""
