"""What each regulator asks for, and the cycle it is counted over.

The numbers are the bodies' published requirements, not settings: a site cannot choose to ask
an NMC registrant for fewer practice hours than the NMC does.

- NMC: revalidation every three years on the date the NMC gives (the end of a month); the
  application window opens 60 days before. Everything counts from the three years before
  the date; the confirmation must fall in its last twelve months.
- HCPC: renewal every two years on the profession's renewal date; the CPD profile (if audited)
  covers the two years since the last renewal.
- Social Work England: every registration year, 1 December to 30 November; the CPD is recorded
  by 30 November.
- Anyone else (UKCP, BACP, GMC or no regulator): the last twelve months, without targets.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from portfolios.models import Portfolio, ProfessionalBody

NMC = ProfessionalBody.NMC
HCPC = ProfessionalBody.HCPC
SWE = ProfessionalBody.SWE
REGULATED = (NMC, HCPC, SWE)

NMC_PRACTICE_HOURS = Decimal(450)
NMC_PRACTICE_HOURS_DUAL = Decimal(900)
NMC_CPD_HOURS = Decimal(35)
NMC_PARTICIPATORY_HOURS = Decimal(20)
NMC_REFLECTIVE_ACCOUNTS = 5
NMC_FEEDBACK = 5
NMC_WINDOW_DAYS = 60
NMC_CONFIRMATION_MONTHS = 12
HCPC_MIN_ACTIVITIES = 4  # "typically four to six activities" in the statement
HCPC_SUMMARY_WORDS = 500
HCPC_STATEMENT_WORDS = 1500
HCPC_GAP_DAYS = 91  # three months or more without CPD needs explaining
SWE_MIN_CPD = 2
SWE_MIN_PEER = 1
REMINDER_DAYS = (60, 30, 7)

BODY_NAMES = {
    NMC: "NMC",
    HCPC: "HCPC",
    SWE: "Social Work England",
}


def years_before(day: dt.date, years: int) -> dt.date:
    """The day after the same date `years` earlier: the first day of a cycle ending on `day`."""
    try:
        return day.replace(year=day.year - years) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28) + dt.timedelta(days=1)


@dataclass(frozen=True)
class Cycle:
    body: str
    start: dt.date
    end: dt.date
    # Empty for the generic twelve months, which end today and have no deadline.
    deadline_label: str
    window_opens: dt.date | None = None

    @property
    def has_deadline(self) -> bool:
        return bool(self.deadline_label)

    def days_left(self, today: dt.date) -> int:
        return (self.end - today).days

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def swe_year_end(today: dt.date) -> dt.date:
    """30 November of the registration year `today` falls in (1 December to 30 November)."""
    this_year = dt.date(today.year, 11, 30)
    return this_year if today <= this_year else dt.date(today.year + 1, 11, 30)


def current_cycle(portfolio: Portfolio, today: dt.date) -> Cycle | None:
    """The cycle the tracker counts; None when an NMC or HCPC registrant has not yet given
    the date (the page then asks for it rather than guessing)."""
    body = portfolio.professional_body
    due = portfolio.revalidation_date
    if body == NMC:
        if due is None:
            return None
        return Cycle(
            body,
            years_before(due, 3),
            due,
            "NMC revalidation date",
            window_opens=due - dt.timedelta(days=NMC_WINDOW_DAYS),
        )
    if body == HCPC:
        if due is None:
            return None
        return Cycle(body, years_before(due, 2), due, "HCPC renewal date")
    if body == SWE:
        end = swe_year_end(today)
        return Cycle(body, dt.date(end.year - 1, 12, 1), end, "Social Work England CPD deadline")
    return Cycle(body, years_before(today, 1), today, "")


def nmc_practice_hours_target(portfolio: Portfolio) -> Decimal:
    return NMC_PRACTICE_HOURS_DUAL if portfolio.nmc_dual_registration else NMC_PRACTICE_HOURS


def confirmation_window(cycle: Cycle) -> tuple[dt.date, dt.date]:
    """The NMC's confirmation must take place in the twelve months before the date."""
    return years_before(cycle.end, 1), cycle.end


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    title: str
    body: str
    description: str


def deadlines(portfolio: Portfolio, today: dt.date) -> list[Deadline]:
    """The regulator's dates still to come, for reminders and the calendar feed."""
    cycle = current_cycle(portfolio, today)
    if cycle is None or not cycle.has_deadline or cycle.end < today:
        return []
    name = BODY_NAMES[cycle.body]
    found = []
    if cycle.window_opens and cycle.window_opens >= today:
        found.append(
            Deadline(
                cycle.window_opens,
                "NMC revalidation application opens",
                cycle.body,
                f"You can submit your NMC revalidation application from today, "
                f"up to {cycle.end:%-d %B %Y}.",
            )
        )
    found.append(
        Deadline(
            cycle.end,
            cycle.deadline_label if cycle.body != SWE else "Social Work England CPD deadline",
            cycle.body,
            f"Your {name} {'revalidation' if cycle.body == NMC else 'renewal'} "
            f"is due on {cycle.end:%-d %B %Y}."
            if cycle.body != SWE
            else f"Record your CPD for this registration year with Social Work England by "
            f"{cycle.end:%-d %B %Y}.",
        )
    )
    return found


# The same rule as the live count in static/js/imhcpd.js (`text.trim().match(/\S+/g)`):
# JavaScript's \s also counts the byte-order mark as space.
WORD = re.compile(r"[^\s\ufeff]+")


def word_count(text: str) -> int:
    return len(WORD.findall(text or ""))


@dataclass(frozen=True)
class Gap:
    first_day: dt.date
    last_day: dt.date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def key(self) -> str:
        return self.first_day.isoformat()


def cpd_gaps(dates: list[dt.date], cycle: Cycle, today: dt.date) -> list[Gap]:
    """Every stretch of HCPC_GAP_DAYS days or more without CPD in the cycle: from its start
    to the first activity, between activities, and from the last one to today (or the
    cycle's end, if that is sooner)."""
    end = min(today, cycle.end)
    if end < cycle.start:
        return []
    days = sorted({d for d in dates if cycle.start <= d <= end})
    gaps = []
    # Bounds: the day before the cycle, each activity, and the day after `end`.
    bounds = [cycle.start - dt.timedelta(days=1), *days, end + dt.timedelta(days=1)]
    for before, after in itertools.pairwise(bounds):
        gap = Gap(before + dt.timedelta(days=1), after - dt.timedelta(days=1))
        if gap.days >= HCPC_GAP_DAYS:
            gaps.append(gap)
    return gaps
