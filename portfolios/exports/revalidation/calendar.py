"""The private calendar feed: the regulator's deadlines and the development plan's target dates
as an `.ics` file that Outlook, Google and Apple calendars subscribe to by a secret link.

The link's token is `Signer` over "<portfolio pk>.<calendar_feed_version>": it can be shown
again without storing a secret, and changing the version (reset, stop) makes every earlier
link fail its lookup. Version 0 means no feed. A stopped feed started again gets a version
never issued before (counted from the audit rows), so an old link cannot come back to life.

The feed carries titles and dates only: no evidence, no reflections, nothing about a family.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from icalendar import Alarm, Calendar, Event, vDuration

from imhcpd.links import absolute_url
from imhcpd.models import User
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.models import RecordEvent
from portfolios.exports.revalidation.services import record_event
from portfolios.models import DevelopmentGoal, Portfolio
from portfolios.services import TransitionError

SALT = "imhcpd.revalidation.calendar-feed"
RECORD = "calendar_feed"
ISSUED = ("created", "reset")  # the actions that hand out a new version
ALARM_DAYS = 7
# Calendar apps poll on their own timetable (Google every few hours at best); asking for a
# refresh twice a day keeps a changed date from lingering for days.
REFRESH = dt.timedelta(hours=12)


def _signer() -> signing.Signer:
    # "." keeps the token to URL-safe characters (the default ":" would need escaping by some
    # calendar apps); it is not in the signature's base64 alphabet, so unsigning is exact.
    return signing.Signer(salt=SALT, sep=".")


def feed_token(portfolio: Portfolio) -> str | None:
    if not portfolio.calendar_feed_version:
        return None
    return _signer().sign(f"{portfolio.pk}.{portfolio.calendar_feed_version}")


def feed_url(portfolio: Portfolio) -> str | None:
    token = feed_token(portfolio)
    if token is None:
        return None
    return absolute_url(reverse("exports:revalidation_calendar_feed", args=[token]))


def portfolio_for_token(token: str) -> Portfolio | None:
    """The portfolio whose current link this is; None for a wrong, tampered, reset or stopped
    one (the view answers 404 to all alike, so a guess learns nothing)."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    pk, _, version = value.partition(".")
    if not (pk.isdigit() and version.isdigit()) or int(version) == 0:
        return None
    return (
        Portfolio.objects.filter(
            pk=int(pk), calendar_feed_version=int(version), user__is_active=True
        )
        .select_related("user")
        .first()
    )


# --- Services: start, reset and stop the feed ---------------------------------------------------


# What each action needs to find, and what it says when a second click or tab got there first.
REFUSALS = {
    "created": "You already have a calendar link. Reset it to make a new one.",
    "reset": "You have no calendar link to reset. Create one instead.",
    "stopped": "Your calendar feed is already stopped.",
}


@transaction.atomic
def _change(portfolio: Portfolio, by: User, action: str) -> Portfolio:
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    if bool(portfolio.calendar_feed_version) == (action == "created"):
        raise TransitionError(REFUSALS[action])
    if action == "stopped":
        version = 0
    else:
        issued = RecordEvent.objects.filter(
            portfolio=portfolio, record=RECORD, action__in=ISSUED
        ).count()
        version = max(issued, portfolio.calendar_feed_version) + 1
    Portfolio.objects.filter(pk=portfolio.pk).update(calendar_feed_version=version)
    portfolio.calendar_feed_version = version
    record_event(portfolio=portfolio, by=by, record=RECORD, action=action)
    return portfolio


def calendar_feed_start(*, portfolio: Portfolio, by: User) -> Portfolio:
    return _change(portfolio, by, "created")


def calendar_feed_reset(*, portfolio: Portfolio, by: User) -> Portfolio:
    """A new link; every earlier one stops working."""
    return _change(portfolio, by, "reset")


def calendar_feed_stop(*, portfolio: Portfolio, by: User) -> Portfolio:
    return _change(portfolio, by, "stopped")


# --- The feed itself ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One all-day event: the feed writes it, the page lists it."""

    key: str  # with the portfolio, the event's UID: stable, so a calendar updates it in place
    day: dt.date
    summary: str
    description: str
    category: str
    path: str
    alarm: bool


def open_goals(portfolio: Portfolio) -> list[DevelopmentGoal]:
    return list(
        DevelopmentGoal.objects.filter(
            portfolio=portfolio,
            status__in=DevelopmentGoal.OPEN_STATUSES,
            target_date__isnull=False,
        ).only("pk", "title", "target_date")
    )


def feed_entries(portfolio: Portfolio, today: dt.date) -> list[Entry]:
    """Every regulator deadline still to come (with an alert a week before) and the target
    date of every open goal, in date order. Titles and dates only."""
    tracker = reverse("exports:revalidation")
    entries = [
        Entry(
            f"{slugify(d.title)}-{d.date:%Y%m%d}",
            d.date,
            d.title,
            d.description,
            "Revalidation",
            tracker,
            alarm=True,
        )
        for d in bodies.deadlines(portfolio, today)
    ]
    plan = reverse("portfolios:plan")
    entries += [
        Entry(
            f"goal-{goal.pk}",
            goal.target_date,  # type: ignore[arg-type]  # filtered to goals with one
            f"IMH goal: {goal.title}",
            "The target date of a goal in your development plan.",
            "Development plan",
            plan,
            alarm=False,
        )
        for goal in open_goals(portfolio)
    ]
    return sorted(entries, key=lambda e: (e.day, e.summary))


def _event(portfolio: Portfolio, entry: Entry, host: str) -> Event:
    url = absolute_url(entry.path)
    event = Event()
    event.add("uid", f"{entry.key}-{portfolio.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", entry.day)
    event.add("dtend", entry.day + dt.timedelta(days=1))
    event.add("summary", entry.summary)
    event.add("description", f"{entry.description}\n\n{url}")
    event.add("url", url)
    event.add("categories", [entry.category])
    # A deadline is not a meeting: it should not show the day as busy.
    event.add("transp", "TRANSPARENT")
    if entry.alarm:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"In {ALARM_DAYS} days: {entry.summary}")
        alarm.add("trigger", -dt.timedelta(days=ALARM_DAYS))
        event.add_component(alarm)
    return event


def feed_ics(portfolio: Portfolio, today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//Revalidation calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{settings.SITE_NAME}: revalidation and goals")
    cal.add("x-wr-caldesc", "Your regulator's deadlines and your development plan's dates.")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    host = urlsplit(settings.SITE_URL).hostname or "imhcpd"
    for entry in feed_entries(portfolio, today):
        cal.add_component(_event(portfolio, entry, host))
    return cal.to_ical()
