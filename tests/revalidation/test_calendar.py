"""The private calendar feed: parsed back with icalendar, reachable only by the current signed
link, and made, reset and stopped through audited services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from imhcpd.models import User
from portfolios.exports.revalidation import bodies, calendar
from portfolios.exports.revalidation.models import RecordEvent
from portfolios.exports.revalidation.services import settings_update
from portfolios.goals import goal_save
from portfolios.models import DevelopmentGoal
from tests.factories import REFLECTION, make_evidence
from tests.revalidation.helpers import set_body

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)
DUE = dt.date(2027, 3, 31)
PAGE = reverse("exports:revalidation_calendar")


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def nurse(user: User, date: dt.date | None = DUE) -> User:
    set_body(user, bodies.NMC, date)
    return user


def start(user: User) -> str:
    calendar.calendar_feed_start(portfolio=user.portfolio, by=user)
    user.portfolio.refresh_from_db()
    return feed_path(user)


def feed_path(user: User) -> str:
    token = calendar.feed_token(user.portfolio)
    assert token
    return reverse("exports:revalidation_calendar_feed", args=[token])


def events(content: bytes) -> dict[str, Any]:
    cal = Calendar.from_ical(content)
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


# --- The feed's content -------------------------------------------------------------------------


def test_the_feed_parses_back_with_the_deadlines_and_open_goals(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User
) -> None:
    nurse(practitioner)
    p = practitioner.portfolio
    goal_save(
        portfolio=p,
        by=practitioner,
        title="Observe a feed",
        competencies=[],
        actions="Private plan for the Hartley family",
        target_date=dt.date(2027, 2, 14),
    )
    goal_save(
        portfolio=p, by=practitioner, title="Done already", competencies=[],
        target_date=dt.date(2027, 1, 1), status=DevelopmentGoal.Status.DONE,
    )  # fmt: skip
    goal_save(portfolio=p, by=practitioner, title="No date yet", competencies=[])
    make_evidence(p)  # a reflective account: its words must not reach the calendar
    response = client.get(start(practitioner))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private, max-age=")
    assert "noindex" in response["X-Robots-Tag"]
    assert 'filename="revalidation-calendar.ics"' in response["Content-Disposition"]
    cal = Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0"
    assert "IMH CPD" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "IMH CPD: revalidation and goals"
    assert cal["X-PUBLISHED-TTL"].to_ical() == b"PT12H"  # calendars told to refresh twice a day
    found = events(response.content)
    assert set(found) == {
        "NMC revalidation application opens",
        "NMC revalidation date",
        "IMH goal: Observe a feed",
    }
    deadline = found["NMC revalidation date"]
    assert deadline.decoded("DTSTART") == DUE  # a date, not a date-time: all day
    assert deadline.decoded("DTEND") == DUE + dt.timedelta(days=1)
    assert found["NMC revalidation application opens"].decoded("DTSTART") == dt.date(2027, 1, 30)
    assert found["IMH goal: Observe a feed"].decoded("DTSTART") == dt.date(2027, 2, 14)
    assert not found["IMH goal: Observe a feed"].walk("VALARM")
    (alarm,) = deadline.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(days=7)
    for event in found.values():
        assert event.decoded("DTSTAMP")
        assert f"-{p.pk}@" in str(event["UID"])
    assert len({str(e["UID"]) for e in found.values()}) == 3
    text = response.content.decode()
    for private in (*REFLECTION.values(), "A home visit", "Hartley", practitioner.email):
        assert private not in text.replace("\r\n ", ""), private  # unfolded lines


def test_uids_are_stable_between_fetches(client: Client, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    nurse(practitioner)
    path = start(practitioner)
    first = {str(e["UID"]) for e in events(client.get(path).content).values()}
    with time_machine.travel(NOW + dt.timedelta(hours=5), tick=False):
        again = {str(e["UID"]) for e in events(client.get(path).content).values()}
    assert first == again and len(first) == 2


def test_social_work_england_deadline_is_30_november(client: Client, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    settings_update(
        portfolio=practitioner.portfolio, by=practitioner, professional_body=bodies.SWE,
        revalidation_date=None, nmc_dual_registration=False,
    )  # fmt: skip
    found = events(client.get(start(practitioner)).content)
    assert list(found) == ["Social Work England CPD deadline"]
    assert found["Social Work England CPD deadline"].decoded("DTSTART") == dt.date(2027, 11, 30)


# --- Who can reach it ---------------------------------------------------------------------------


def test_wrong_and_tampered_tokens_give_404(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, other_practitioner: User
) -> None:
    nurse(practitioner)
    start(practitioner)
    good = calendar.feed_token(practitioner.portfolio)
    assert good
    assert client.get(reverse("exports:revalidation_calendar_feed", args=[good])).status_code == 200
    value, signature = good.rsplit(".", 1)
    pk, version = value.split(".")
    start(other_practitioner)
    other = other_practitioner.portfolio.pk
    for token in (
        "nonsense",
        f"{value}.{signature[:-1]}{'B' if signature.endswith('A') else 'A'}",
        f"{other}.{version}.{signature}",  # someone else's pk under this signature
        f"{pk}.{int(version) + 1}.{signature}",
        f"{pk}.0.{signature}",
        f"{pk}.{version}",
    ):
        url = reverse("exports:revalidation_calendar_feed", args=[token])
        assert client.get(url).status_code == 404, token


def test_reset_and_stop_retire_every_earlier_link(client: Client, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    nurse(practitioner)
    first = start(practitioner)
    p = practitioner.portfolio
    calendar.calendar_feed_reset(portfolio=p, by=practitioner)
    p.refresh_from_db()
    second = feed_path(practitioner)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    calendar.calendar_feed_stop(portfolio=p, by=practitioner)
    p.refresh_from_db()
    assert p.calendar_feed_version == 0
    assert calendar.feed_token(p) is None
    assert client.get(second).status_code == 404
    # Started again, the feed gets a version never issued before: no old link comes back.
    third = start(practitioner)
    assert practitioner.portfolio.calendar_feed_version == 3
    assert [client.get(u).status_code for u in (first, second, third)] == [404, 404, 200]


def test_an_inactive_account_has_no_feed(client: Client, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    path = start(practitioner)
    User.objects.filter(pk=practitioner.pk).update(is_active=False)
    assert client.get(path).status_code == 404


# --- The page -----------------------------------------------------------------------------------


def test_create_reset_and_stop_from_the_page_are_audited(
    client: Client, practitioner: User
) -> None:  # type: ignore[no-untyped-def]
    nurse(practitioner)
    client.force_login(practitioner)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Create my calendar link" in page.content.decode()
    assert "31 March 2027" in page.content.decode()

    response = client.post(PAGE, {"action": "create"}, follow=True)
    html = response.content.decode()
    practitioner.portfolio.refresh_from_db()
    assert response.status_code == 200
    assert f'value="{calendar.feed_url(practitioner.portfolio)}"' in html
    assert "Copy the link" in html and "Google Calendar" in html and "Outlook" in html
    assert "webcal://" in html
    assert client.get(feed_path(practitioner)).status_code == 200

    assert client.post(PAGE, {"action": "reset"}).status_code == 302
    assert client.post(PAGE, {"action": "stop"}).status_code == 302
    assert "Create my calendar link" in client.get(PAGE).content.decode()
    rows = RecordEvent.objects.filter(portfolio=practitioner.portfolio, record="calendar_feed")
    assert list(rows.values_list("action", "actor")) == [
        ("created", practitioner.pk),
        ("reset", practitioner.pk),
        ("stopped", practitioner.pk),
    ]


def test_a_second_click_or_a_forged_action_gets_a_message_not_a_500(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User
) -> None:
    client.force_login(practitioner)
    client.post(PAGE, {"action": "create"})
    again = client.post(PAGE, {"action": "create"})
    assert again.status_code == 409
    assert "You already have a calendar link" in again.content.decode()
    client.post(PAGE, {"action": "stop"})
    assert client.post(PAGE, {"action": "stop"}).status_code == 409
    assert client.post(PAGE, {"action": "reset"}).status_code == 409
    assert client.post(PAGE, {"action": "delete-everything"}).status_code == 400
    assert RecordEvent.objects.filter(record="calendar_feed").count() == 2


def test_the_page_needs_a_sign_in(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
