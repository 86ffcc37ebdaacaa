"""Revalidation reminders: 60, 30 and 7 days before the regulator's deadline, each sent once,
through the same rule as the register's expiry reminders (imhcpd.reminders)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from imhcpd.models import User
from imhcpd.reminders import due_reminders
from portfolios.exports.revalidation import bodies, tasks
from portfolios.exports.revalidation.models import RevalidationReminder
from portfolios.models import ProfessionalBody
from portfolios.supervision.models import Notification, NotificationPreference
from tests.factories import UserFactory, make_portfolio
from tests.revalidation.helpers import set_body

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
DUE = dt.date(2027, 3, 31)  # an NMC revalidation date (the end of a month)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


def run(commit: Any, day: dt.date, hour: int = 9) -> int:
    with (
        time_machine.travel(
            dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False
        ),
        commit(),
    ):
        return tasks.send_revalidation_reminders()


def subjects(mailoutbox: list[Any], to: str) -> list[str]:
    return [m.subject for m in mailoutbox if m.to == [to]]


def recorded(user: User) -> list[tuple[str, dt.date, int]]:
    return sorted(
        RevalidationReminder.objects.filter(portfolio=user.portfolio).values_list(
            "body", "deadline", "days_before"
        )
    )


# --- The shared rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "due"),
    [
        (61, []),
        (60, [60]),
        (31, [60]),
        (30, [30, 60]),
        (8, [30, 60]),
        (7, [7, 30, 60]),
        (0, [7, 30, 60]),
    ],
)
def test_due_reminders_are_nearest_first(days_left: int, due: list[int]) -> None:
    assert due_reminders((60, 30, 7), days_left) == due


# --- The job ------------------------------------------------------------------------------------


def test_nmc_reminders_at_60_30_and_7_days_each_once(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, DUE)
    sent_on: list[tuple[int, str]] = []
    day = DUE - dt.timedelta(days=75)
    while day <= DUE + dt.timedelta(days=3):
        for hour in (8, 17):  # twice a day: "once" holds even when the job runs again
            before = len(mailoutbox)
            run(commit, day, hour)
            sent_on += [((DUE - day).days, m.subject) for m in mailoutbox[before:]]
        day += dt.timedelta(days=1)
    assert sent_on == [
        (60, "[IMH CPD] NMC revalidation date in 60 days: 31 March 2027"),
        (30, "[IMH CPD] NMC revalidation date in 30 days: 31 March 2027"),
        (7, "[IMH CPD] NMC revalidation date in 7 days: 31 March 2027"),
    ]
    assert recorded(practitioner) == [(bodies.NMC, DUE, d) for d in (7, 30, 60)]
    assert (
        Notification.objects.filter(user=practitioner, url=reverse("exports:revalidation")).count()
        == 3
    )


def test_nothing_at_61_days(practitioner: User, mailoutbox, commit) -> None:  # type: ignore[no-untyped-def]
    set_body(practitioner, bodies.NMC, DUE)
    assert run(commit, DUE - dt.timedelta(days=61)) == 0
    assert mailoutbox == []
    assert recorded(practitioner) == []
    assert run(commit, DUE - dt.timedelta(days=60)) == 1


@pytest.mark.parametrize(("days_left", "recorded_days"), [(20, [30, 60]), (5, [7, 30, 60])])
def test_a_late_first_run_sends_only_the_nearest_and_records_all(  # type: ignore[no-untyped-def]
    days_left: int, recorded_days: list[int], practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, DUE)
    today = DUE - dt.timedelta(days=days_left)
    run(commit, today)
    run(commit, today, 20)
    run(commit, today + dt.timedelta(days=1))
    assert subjects(mailoutbox, practitioner.email) == [
        f"[IMH CPD] NMC revalidation date in {days_left} days: 31 March 2027"
    ]
    assert [d for _, _, d in recorded(practitioner)] == recorded_days


def test_a_late_start_still_sends_the_reminders_that_are_to_come(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, DUE)
    run(commit, DUE - dt.timedelta(days=20))
    run(commit, DUE - dt.timedelta(days=7))
    assert [s.split(":")[0] for s in subjects(mailoutbox, practitioner.email)] == [
        "[IMH CPD] NMC revalidation date in 20 days",
        "[IMH CPD] NMC revalidation date in 7 days",
    ]


def test_a_changed_date_is_a_new_deadline_with_its_own_reminders(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, DUE)
    today = DUE - dt.timedelta(days=60)
    assert run(commit, today) == 1
    new_due = today + dt.timedelta(days=30)
    set_body(practitioner, bodies.NMC, new_due)
    assert run(commit, today, 15) == 1
    assert run(commit, today, 16) == 0
    assert subjects(mailoutbox, practitioner.email)[-1] == (
        f"[IMH CPD] NMC revalidation date in 30 days: {new_due:%-d %B %Y}"
    )
    assert (bodies.NMC, new_due, 30) in recorded(practitioner)


def test_social_work_england_is_reminded_before_30_november_each_year(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.SWE)  # no date: the registration year ends on 30 November
    deadline = dt.date(2027, 11, 30)
    assert run(commit, deadline - dt.timedelta(days=61)) == 0
    for days in (60, 30, 7):
        assert run(commit, deadline - dt.timedelta(days=days)) == 1
    assert run(commit, deadline) == 0
    assert subjects(mailoutbox, practitioner.email) == [
        f"[IMH CPD] Social Work England CPD deadline in {d} days: 30 November 2027"
        for d in (60, 30, 7)
    ]
    # The next registration year has its own deadline, and its own reminders.
    assert run(commit, dt.date(2028, 11, 30) - dt.timedelta(days=60)) == 1
    assert [(b, d) for b, d, _ in recorded(practitioner)].count((bodies.SWE, deadline)) == 3


def test_a_first_run_on_the_deadline_itself_says_today(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.SWE)
    assert run(commit, dt.date(2027, 11, 30)) == 1
    (email,) = mailoutbox
    assert email.subject == "[IMH CPD] Social Work England CPD deadline is today: 30 November 2027"
    assert "That is today." in email.body
    assert Notification.objects.get(user=practitioner).text.endswith("That is today.")


def test_hcpc_renewal_date(practitioner: User, mailoutbox, commit) -> None:  # type: ignore[no-untyped-def]
    set_body(practitioner, bodies.HCPC, DUE)
    run(commit, DUE - dt.timedelta(days=30))
    assert subjects(mailoutbox, practitioner.email) == [
        "[IMH CPD] HCPC renewal date in 30 days: 31 March 2027"
    ]


def test_nobody_without_a_regulator_deadline_is_reminded(  # type: ignore[no-untyped-def]
    practitioner: User, other_practitioner: User, framework, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, None)  # NMC, but no date given yet
    set_body(other_practitioner, ProfessionalBody.UKCP, DUE)  # a date, but no regulator's rules
    none = UserFactory(full_name="Nell None")
    make_portfolio(none, framework, professional_body=ProfessionalBody.NONE)
    gone = UserFactory(full_name="Gil Gone", is_active=False)
    make_portfolio(gone, framework, professional_body=ProfessionalBody.HCPC)
    set_body(gone, bodies.HCPC, DUE)
    hcpc = UserFactory(full_name="Hana Hcpc")
    make_portfolio(hcpc, framework, professional_body=ProfessionalBody.HCPC)
    set_body(hcpc, bodies.HCPC, DUE)
    for days in (60, 30, 7):
        run(commit, DUE - dt.timedelta(days=days))
    assert {m.to[0] for m in mailoutbox} == {hcpc.email}
    assert RevalidationReminder.objects.exclude(portfolio=hcpc.portfolio).count() == 0


def test_the_email_says_which_body_the_date_days_left_and_what_is_missing(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.NMC, DUE)
    # Essential, as the register's expiry reminder: it goes even to someone who turned
    # event emails off.
    NotificationPreference.objects.create(user=practitioner, email_each_event=False)
    run(commit, DUE - dt.timedelta(days=30))
    (email,) = mailoutbox
    html = email.alternatives[0][0]
    tracker = settings.SITE_URL + reverse("exports:revalidation")
    for text in (email.body, html):
        assert "Your NMC revalidation is due on 31 March 2027." in text
        assert "30 days" in text
        assert "What is still missing:" in text
        for label in ("Practice hours", "CPD hours", "Written reflective accounts", "Confirmation"):
            assert label in text
        assert tracker in text
        assert "Your application window is open" in text  # it opened 60 days before
        assert "whatever your email preferences" in text


def test_only_the_nmc_email_speaks_of_an_application_window(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    set_body(practitioner, bodies.HCPC, DUE)
    run(commit, DUE - dt.timedelta(days=60))
    (email,) = mailoutbox
    assert "Your HCPC renewal is due on 31 March 2027." in email.body
    assert "application window" not in email.body  # only the NMC has one
