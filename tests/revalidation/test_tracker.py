"""The tracker, body by body: from every requirement unmet to all met, boundaries exact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.models import RecordEvent
from portfolios.exports.revalidation.tracker import tracker_for
from portfolios.models import EvidenceKind, ProfileChange
from tests.factories import make_evidence, make_returned
from tests.revalidation.helpers import set_body

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def cpd(portfolio, hours: str, day: dt.date, *, participatory: bool = True, **details):  # type: ignore[no-untyped-def]
    return make_evidence(
        portfolio,
        kind=EvidenceKind.CPD_ACTIVITY,
        codes=(),
        title="Study day",
        date=day,
        hours=Decimal(hours),
        is_participatory=participatory,
        details={"provider": "A provider", **details},
    )


def state(portfolio) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {r.key: r.met for r in tracker_for(portfolio).rows}


# --- Cycles ----------------------------------------------------------------------------------


def test_cycles_are_worked_out_back_from_the_date(practitioner) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    today = dt.date(2026, 12, 2)
    p.revalidation_date = dt.date(2027, 3, 31)
    cycle = bodies.current_cycle(p, today)
    assert (cycle.start, cycle.end) == (dt.date(2024, 4, 1), dt.date(2027, 3, 31))
    assert cycle.window_opens == dt.date(2027, 1, 30)  # 60 days before
    p.professional_body = bodies.HCPC
    cycle = bodies.current_cycle(p, today)
    assert (cycle.start, cycle.end) == (dt.date(2025, 4, 1), dt.date(2027, 3, 31))
    p.professional_body = bodies.SWE
    assert bodies.current_cycle(p, dt.date(2026, 11, 30)).end == dt.date(2026, 11, 30)
    cycle = bodies.current_cycle(p, today)
    assert (cycle.start, cycle.end) == (dt.date(2026, 12, 1), dt.date(2027, 11, 30))
    p.professional_body = bodies.NMC
    p.revalidation_date = None
    assert bodies.current_cycle(p, today) is None


# --- Settings ---------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_settings_are_audited_in_the_profile_history(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post(
        "/portfolio/revalidation/settings/",
        {
            "professional_body": "nmc",
            "revalidation_date_0": "31",
            "revalidation_date_1": "3",
            "revalidation_date_2": "2027",
            "nmc_dual_registration": "on",
        },
    )
    assert response.status_code == 302
    p = practitioner.portfolio
    p.refresh_from_db()
    assert p.revalidation_date == dt.date(2027, 3, 31) and p.nmc_dual_registration
    # By pk, not by time: the fixture's own profile row is written on the real clock, which
    # may be later than the travelled one.
    change = ProfileChange.objects.filter(portfolio=p).order_by("-pk").first()
    assert change.changes["revalidation_date"] == ["—", "31 March 2027"]
    assert RecordEvent.objects.filter(portfolio=p, record="settings").count() == 1


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("body", "date", "message"),
    [
        ("nmc", None, "Enter your next revalidation or renewal date"),
        ("nmc", ("1", "12", "2026"), "this one has passed"),
        ("hcpc", ("1", "1", "2029"), "more than 2 years away"),
        ("nmc", ("31", "2", "2027"), "real date"),
        ("gmc-nonsense", None, "Select a valid choice"),
    ],
)
def test_bad_settings_are_refused_with_a_message(client, practitioner, body, date, message) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    data = {"professional_body": body}
    if date:
        data.update(
            dict(
                zip(
                    ("revalidation_date_0", "revalidation_date_1", "revalidation_date_2"),
                    date,
                    strict=True,
                )
            )
        )
    response = client.post("/portfolio/revalidation/settings/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    practitioner.portfolio.refresh_from_db()
    assert practitioner.portfolio.revalidation_date is None


@time_machine.travel(TODAY, tick=False)
def test_without_a_date_the_tracker_asks_for_it(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    page = client.get("/portfolio/revalidation/").content.decode()
    assert 'data-testid="reval-needs-date"' in page
    dashboard = client.get("/portfolio/").content.decode()
    assert 'data-testid="revalidation-panel"' in dashboard and "Add your date" in dashboard


# --- Social Work England ----------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_swe_from_nothing_to_all_met(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    p = set_body(practitioner, bodies.SWE)
    assert state(p) == {"cpd_pieces": False, "peer_reflection": False}
    cpd(p, "3", dt.date(2026, 11, 30), peer_reflection="Discussed with a colleague.")  # last year
    make_returned(
        practitioner,
        supervisor,
        "Add more.",
        kind=EvidenceKind.CPD_ACTIVITY,
        codes=("1.01",),
        title="Returned",
        date=dt.date(2026, 12, 1),
        hours=Decimal(2),
        is_participatory=True,
        details={"provider": "P", "peer_reflection": "Yes."},
    )
    assert state(p) == {"cpd_pieces": False, "peer_reflection": False}
    cpd(p, "1", dt.date(2026, 12, 1))
    assert tracker_for(p).by_key["cpd_pieces"].value == 1
    make_evidence(p, codes=("1.01",), date=dt.date(2026, 12, 2))
    assert state(p) == {"cpd_pieces": True, "peer_reflection": False}
    cpd(p, "1", dt.date(2026, 12, 2), peer_reflection="Talked it through with a peer.")
    assert state(p) == {"cpd_pieces": True, "peer_reflection": True}
    t = tracker_for(p)
    assert t.all_met and t.days_left == 363 and t.cycle.end == dt.date(2027, 11, 30)
    client.force_login(practitioner)
    page = client.get("/portfolio/revalidation/").content.decode()
    assert "363 days left" in page and "2 of 2 requirements met" in page


# --- HCPC -------------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_hcpc_from_nothing_to_all_met(practitioner) -> None:  # type: ignore[no-untyped-def]
    from portfolios.exports.revalidation.models import HcpcProfile

    p = set_body(practitioner, bodies.HCPC, dt.date(2027, 5, 31))  # counts from 1 June 2025
    assert not any(state(p).values())
    cpd(p, "2", dt.date(2025, 5, 31), method="course")  # outside the cycle
    days = [dt.date(2025, 6, 1), dt.date(2025, 8, 1), dt.date(2025, 10, 1)]
    for day in days:
        cpd(p, "2", day, method="course")
    assert tracker_for(p).by_key["cpd_activities"].value == 3
    assert tracker_for(p).by_key["cpd_mixture"].value == 1
    make_evidence(p, title="Reflecting on a visit", date=dt.date(2025, 12, 1))
    s = state(p)  # for the HCPC a reflective account is CPD, and another kind of learning
    assert s["cpd_activities"] and s["cpd_mixture"] and not s["gaps"]
    # Nothing from 2 December 2025 to today: one gap to explain.
    assert tracker_for(p).by_key["gaps"].detail == "1 of 1 gaps not yet explained."
    HcpcProfile.objects.create(
        portfolio=p,
        renewal_date=dt.date(2027, 5, 31),
        summary="word " * bodies.HCPC_SUMMARY_WORDS,
        statement="word " * (bodies.HCPC_STATEMENT_WORDS + 1),
        gap_notes={"2025-12-02": "Parental leave."},
    )
    s = state(p)
    assert s["summary"] and s["gaps"] and not s["statement"]
    HcpcProfile.objects.filter(portfolio=p).update(statement="word " * 1500)
    assert tracker_for(p).all_met


# --- Anyone else ----------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_other_bodies_see_their_cpd_without_targets(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    p = set_body(practitioner, "ukcp")
    cpd(p, "6.5", dt.date(2026, 1, 10))
    cpd(p, "100", dt.date(2025, 12, 2))  # a year and a day ago
    t = tracker_for(p)
    assert not t.has_targets and t.cpd_hours == Decimal("6.5") and t.cpd_count == 1
    client.force_login(practitioner)
    assert "6.5 h of CPD in 1 activity" in client.get("/portfolio/").content.decode()


# --- NMC --------------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_nmc_from_nothing_to_all_met(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    from portfolios.exports.revalidation.confirmation import (
        confirmation_give,
        confirmation_request,
    )
    from portfolios.exports.revalidation.records import (
        declarations_make,
        discussion_add,
        practice_hours_add,
    )

    # Revalidation on 31 March 2027: the cycle runs from 1 April 2024.
    p = set_body(practitioner, bodies.NMC, dt.date(2027, 3, 31))
    assert state(p) == dict.fromkeys(
        [
            "practice_hours",
            "cpd_hours",
            "cpd_participatory",
            "reflective_accounts",
            "feedback",
            "discussion",
            "declarations",
            "confirmation",
        ],
        False,
    )

    def hours(amount: str, start: dt.date, end: dt.date) -> None:
        practice_hours_add(
            portfolio=p,
            by=practitioner,
            data={"start": start, "end": end, "hours": Decimal(amount), "role": "Health visitor"},
        )

    hours("500", dt.date(2023, 1, 1), dt.date(2024, 3, 31))  # ends the day before the cycle
    hours("449.75", dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert not state(p)["practice_hours"]
    hours("0.25", dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    assert state(p)["practice_hours"]
    p = set_body(practitioner, bodies.NMC, dt.date(2027, 3, 31), dual=True)
    assert tracker_for(p).by_key["practice_hours"].target == 900
    p = set_body(practitioner, bodies.NMC, dt.date(2027, 3, 31))

    cpd(p, "20", dt.date(2024, 4, 1))  # the cycle's first day counts
    cpd(p, "14.75", dt.date(2026, 6, 1), participatory=False)
    cpd(p, "10", dt.date(2024, 3, 31))  # the day before does not
    make_returned(
        practitioner,
        supervisor,
        "Say what you learned.",
        kind=EvidenceKind.CPD_ACTIVITY,
        codes=("1.01",),
        title="Returned course",
        date=dt.date(2026, 2, 1),
        hours=Decimal(5),
        is_participatory=True,
        details={"provider": "P"},
    )
    t = tracker_for(p).by_key
    assert t["cpd_hours"].value == Decimal("34.75") and not t["cpd_hours"].met
    assert t["cpd_participatory"].value == 20 and t["cpd_participatory"].met
    cpd(p, "0.25", dt.date(2026, 6, 2), participatory=False)
    assert tracker_for(p).by_key["cpd_hours"].met

    accounts = [
        make_evidence(p, title=f"Account {i}", date=dt.date(2025, 1, i + 1)) for i in range(4)
    ]
    make_evidence(p, title="Too early", date=dt.date(2024, 3, 1))
    assert tracker_for(p).by_key["reflective_accounts"].value == 4
    accounts.append(make_evidence(p, title="Account 5", date=dt.date(2026, 9, 9)))
    for i in range(5):
        make_evidence(
            p,
            kind=EvidenceKind.FEEDBACK,
            codes=(),
            title=f"Feedback {i}",
            date=dt.date(2026, 3, i + 1),
            details={"source": "colleague", "summary": "Clear and kind."},
        )
    s = state(p)
    assert s["reflective_accounts"] and s["feedback"] and not s["discussion"]

    talk = {
        "date": dt.date(2026, 10, 1),
        "partner_name": "Robin Registrant",
        "partner_registration": "98Z7654X",
        "summary": "We talked through my accounts.",
    }
    discussion_add(portfolio=p, by=practitioner, data=talk, accounts=accounts[:4])
    t = tracker_for(p).by_key["discussion"]
    assert not t.met and "covers 4 of the 5" in t.detail
    discussion_add(portfolio=p, by=practitioner, data=talk, accounts=accounts)
    assert state(p)["discussion"]

    declarations_make(portfolio=p, by=practitioner, kinds=["health_character"], today=TODAY.date())
    assert tracker_for(p).by_key["declarations"].value == 1
    declarations_make(portfolio=p, by=practitioner, kinds=["indemnity"], today=TODAY.date())
    assert state(p)["declarations"] and not state(p)["confirmation"]

    asked = confirmation_request(
        portfolio=p, by=practitioner, name="Casey Confirmer", email="casey@example.test"
    )
    assert not state(p)["confirmation"]
    confirmation_give(
        confirmation=asked,
        data={
            "name": "Casey Confirmer",
            "email": "casey@example.test",
            "registration": "11A2222B",
            "role": "Line manager",
            "address": "Northtown Health Centre",
            "postcode": "LS1 4AP",
            "confirmed_on": dt.date(2026, 12, 1),
        },
    )
    t = tracker_for(p)
    assert t.all_met and t.days_left == 119 and not t.window_open
    client.force_login(practitioner)
    page = client.get("/portfolio/revalidation/").content.decode()
    assert "8 of 8 requirements met" in page and "119 days left" in page
    assert "opens on 30 January 2027" in page
    # The pack's checklist is the tracker's: the two cannot disagree.
    from portfolios.exports.revalidation.documents import nmc_snapshot

    checklist = nmc_snapshot(p, t.cycle)["nmc"]["checklist"]
    assert [(r["label"], r["met"]) for r in checklist] == [(r.label, r.met) for r in t.rows]
    assert checklist[0]["value"] == "450" and checklist[0]["unit"] == "h"
