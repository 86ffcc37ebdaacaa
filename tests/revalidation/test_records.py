"""Practice hours, reflective discussions and declarations: the pages, their rules, the audit
rows their services write, and that nobody reaches another practitioner's records."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from imhcpd.models import User
from portfolios.exports.revalidation import bodies, records
from portfolios.exports.revalidation.models import (
    Declaration,
    PracticeHours,
    RecordEvent,
    ReflectiveDiscussion,
)
from portfolios.models import Evidence, Portfolio
from tests.factories import make_evidence
from tests.revalidation.helpers import set_body

HOURS_URL = reverse("exports:revalidation_hours")
DISCUSSIONS_URL = reverse("exports:revalidation_discussions")
DECLARATIONS_URL = reverse("exports:revalidation_declarations")


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _today() -> dt.date:
    return timezone.localdate()


def _set_body(user: User, body: str = "nmc", due: dt.date | None = None) -> Portfolio:
    return set_body(user, body, due)


def _hours_data(**overrides: object) -> dict[str, object]:
    today = _today()
    data: dict[str, object] = {
        **_date("start", today - dt.timedelta(days=60)),
        **_date("end", today - dt.timedelta(days=1)),
        "hours": "300",
        "employer_name": "Northtown Community Health",
        "employer_address": "1 Example Street\nNorthtown\nLS1 4AP",
        "scope": "Health visiting, universal caseload",
        "work_setting": "Community",
        "role": "Health visitor",
        "description": "Home visits and clinics with families of babies.",
    }
    data.update(overrides)
    return data


# --- Practice hours ----------------------------------------------------------------------


def test_adding_hours_writes_the_record_and_its_audit_row(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post(HOURS_URL, _hours_data())
    assert response.status_code == 302
    record = PracticeHours.objects.get(portfolio=practitioner.portfolio)
    assert record.hours == Decimal(300)
    assert record.employer_name == "Northtown Community Health"
    event = RecordEvent.objects.get(record="practice_hours", action="added")
    assert (event.record_id, event.actor) == (record.pk, practitioner)
    page = client.get(HOURS_URL)
    assert page.status_code == 200
    assert b"table-stack" in page.content
    assert b"Northtown Community Health" in page.content


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": "0"}, "Enter the hours you practised, more than 0."),
        (
            _date("end", dt.date(2000, 1, 1)),
            "The end date must be on or after the start date.",
        ),
        (
            {"hours": "2000"},
            "That is more hours than there are in the period.",
        ),
        ({"employer_address": "1 Example Street"}, "Include the postcode in the employer"),
        ({"employer_name": ""}, "This field is required."),
        ({"work_setting": ""}, "This field is required."),
        ({"start_0": "31", "start_1": "2"}, "Enter a valid date."),
    ],
    ids=["zero", "end-before-start", "too-many", "no-postcode", "no-employer", "no-setting", "bad"],
)
def test_bad_hours_are_refused_with_a_message(client, practitioner, change, message) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post(HOURS_URL, _hours_data(**change))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not PracticeHours.objects.exists()
    assert not RecordEvent.objects.filter(record="practice_hours").exists()


def test_future_hours_are_refused(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post(
        HOURS_URL, _hours_data(**_date("end", _today() + dt.timedelta(days=1)), hours="10")
    )
    assert response.status_code == 400
    assert "Record hours already worked, not future ones." in response.content.decode()


def test_deleting_hours_keeps_what_was_deleted_in_the_audit(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    client.post(HOURS_URL, _hours_data())
    record = PracticeHours.objects.get()
    url = reverse("exports:revalidation_hours_delete", args=[record.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not PracticeHours.objects.exists()
    event = RecordEvent.objects.get(record="practice_hours", action="deleted")
    assert event.record_id == record.pk
    kept = json.loads(event.detail)
    assert kept["employer_name"] == "Northtown Community Health"
    assert kept["hours"] == "300.00"


def test_a_stranger_cannot_delete_hours(client, practitioner, other_practitioner) -> None:  # type: ignore[no-untyped-def]
    record = records.practice_hours_add(
        portfolio=practitioner.portfolio,
        by=practitioner,
        data={
            "start": dt.date(2026, 1, 1),
            "end": dt.date(2026, 1, 31),
            "hours": Decimal(100),
            "role": "Health visitor",
        },
    )
    client.force_login(other_practitioner)
    response = client.post(reverse("exports:revalidation_hours_delete", args=[record.pk]))
    assert response.status_code == 404
    assert PracticeHours.objects.filter(pk=record.pk).exists()
    assert b"Health visitor" not in client.get(HOURS_URL).content


def test_record_pages_need_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    for url in (HOURS_URL, DISCUSSIONS_URL, DECLARATIONS_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Reflective discussions -----------------------------------------------------------------


def _discussion_data(account_ids: list[int], **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        **_date("date", _today() - dt.timedelta(days=3)),
        "partner_name": "Rene Registrant",
        "partner_registration": "98b7654c",
        "partner_email": "rene@example.org",
        "partner_address": "Northtown Health Centre\n2 Example Road",
        "partner_postcode": "ls14ap",
        "summary": "We talked through what each account taught me about attunement.",
        "accounts": [str(pk) for pk in account_ids],
    }
    data.update(overrides)
    return data


def test_a_discussion_records_the_partner_and_the_accounts(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    first = make_evidence(practitioner.portfolio, title="Feeding cues")
    second = make_evidence(practitioner.portfolio, title="A hard conversation")
    client.force_login(practitioner)
    page = client.get(DISCUSSIONS_URL)
    assert "Feeding cues (15 January 2026)" in page.content.decode()
    response = client.post(DISCUSSIONS_URL, _discussion_data([first.pk, second.pk]))
    assert response.status_code == 302
    discussion = ReflectiveDiscussion.objects.get()
    # The PIN and postcode are kept the way the NMC prints them.
    assert discussion.partner_registration == "98B7654C"
    assert discussion.partner_postcode == "LS1 4AP"
    assert set(discussion.accounts.all()) == {first, second}
    event = RecordEvent.objects.get(record="discussion", action="added")
    assert event.record_id == discussion.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"partner_registration": "1234567"}, "Enter an NMC PIN in the right shape"),
        ({"partner_registration": "12A3456E"}, "That is your own PIN"),
        ({"partner_postcode": "NOT A CODE"}, "Enter a real UK postcode"),
        ({"partner_email": "not-an-email"}, "Enter a valid email address."),
        ({"partner_address": ""}, "This field is required."),
        ({"accounts": []}, "Choose the reflective accounts you discussed."),
    ],
    ids=["pin", "own-pin", "postcode", "email", "address", "no-accounts"],
)
def test_bad_discussions_are_refused_with_a_message(client, practitioner, change, message) -> None:  # type: ignore[no-untyped-def]
    account = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    response = client.post(DISCUSSIONS_URL, _discussion_data([account.pk], **change))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ReflectiveDiscussion.objects.exists()


def test_a_future_discussion_is_refused(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    account = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    data = _discussion_data([account.pk], **_date("date", _today() + dt.timedelta(days=1)))
    response = client.post(DISCUSSIONS_URL, data)
    assert response.status_code == 400
    assert "The discussion must already have happened." in response.content.decode()


def test_only_the_owners_current_reflective_accounts_can_be_discussed(  # type: ignore[no-untyped-def]
    client, practitioner, other_practitioner
) -> None:
    mine = make_evidence(practitioner.portfolio, title="Mine")
    theirs = make_evidence(other_practitioner.portfolio, title="Someone else's account")
    feedback = make_evidence(practitioner.portfolio, kind="feedback", title="Feedback item")
    archived = make_evidence(practitioner.portfolio, title="Put away")
    # Archiving needs a review history; only the flag matters to the discussion form.
    Evidence.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    client.force_login(practitioner)
    page = client.get(DISCUSSIONS_URL).content.decode()
    assert "Mine" in page
    assert "Someone else" not in page and "Feedback item" not in page and "Put away" not in page
    for other in (theirs, feedback, archived):
        response = client.post(DISCUSSIONS_URL, _discussion_data([mine.pk, other.pk]))
        assert response.status_code == 400
        assert "Choose only from your own reflective accounts." in response.content.decode()
    assert not ReflectiveDiscussion.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(records.RecordError, match="your own reflective accounts"):
        records.discussion_add(
            portfolio=practitioner.portfolio,
            by=practitioner,
            data={"date": _today(), "partner_name": "X", "summary": "Y"},
            accounts=[theirs],
        )


def test_deleting_a_discussion_is_audited_and_a_stranger_gets_404(  # type: ignore[no-untyped-def]
    client, practitioner, other_practitioner
) -> None:
    account = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    client.post(DISCUSSIONS_URL, _discussion_data([account.pk]))
    discussion = ReflectiveDiscussion.objects.get()
    url = reverse("exports:revalidation_discussion_delete", args=[discussion.pk])
    client.force_login(other_practitioner)
    assert client.post(url).status_code == 404
    assert ReflectiveDiscussion.objects.filter(pk=discussion.pk).exists()
    client.force_login(practitioner)
    assert client.post(url).status_code == 302
    assert not ReflectiveDiscussion.objects.exists()
    event = RecordEvent.objects.get(record="discussion", action="deleted")
    kept = json.loads(event.detail)
    assert kept["partner_name"] == "Rene Registrant"
    assert kept["accounts"] == [account.pk]


def test_without_accounts_the_page_asks_for_them_first(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.get(DISCUSSIONS_URL)
    assert response.status_code == 200
    assert b'data-testid="no-accounts"' in response.content


# --- Declarations ------------------------------------------------------------------------


def test_declarations_need_the_date_first(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    _set_body(practitioner, "nmc", None)
    client.force_login(practitioner)
    response = client.get(DECLARATIONS_URL)
    assert response.status_code == 200
    assert reverse("exports:revalidation_settings") in response.content.decode()
    assert b'data-testid="needs-date"' in response.content
    response = client.post(DECLARATIONS_URL, {"kinds": ["indemnity"]})
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_nmc_declarations_are_made_frozen_and_locked(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    due = _today() + dt.timedelta(days=200)
    _set_body(practitioner, "nmc", due)
    client.force_login(practitioner)
    assert client.post(DECLARATIONS_URL, {}).status_code == 400
    response = client.post(DECLARATIONS_URL, {"kinds": ["health_character", "indemnity"]})
    assert response.status_code == 302
    made = {d.kind: d for d in Declaration.objects.filter(portfolio=practitioner.portfolio)}
    assert set(made) == {"health_character", "indemnity"}
    assert made["health_character"].text == records.HEALTH_CHARACTER_NMC
    assert made["indemnity"].revalidation_date == due
    assert RecordEvent.objects.filter(record="declaration", action="made").count() == 2
    again = client.post(DECLARATIONS_URL, {"kinds": ["indemnity"]})
    assert again.status_code == 409
    assert "already made this declaration" in again.content.decode()
    assert Declaration.objects.count() == 2
    assert b'data-testid="declarations-done"' in client.get(DECLARATIONS_URL).content


def test_one_declaration_can_be_made_before_the_other(practitioner) -> None:  # type: ignore[no-untyped-def]
    _set_body(practitioner, "hcpc", _today() + dt.timedelta(days=90))
    portfolio = Portfolio.objects.get(pk=practitioner.portfolio.pk)
    records.declarations_make(
        portfolio=portfolio, by=practitioner, kinds=["indemnity"], today=_today()
    )
    records.declarations_make(
        portfolio=portfolio, by=practitioner, kinds=["health_character"], today=_today()
    )
    assert Declaration.objects.filter(portfolio=portfolio).count() == 2
    with pytest.raises(records.DeclarationLocked):
        records.declarations_make(
            portfolio=portfolio, by=practitioner, kinds=["indemnity"], today=_today()
        )


def test_social_work_england_declares_for_the_registration_year(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    _set_body(practitioner, "swe", None)
    client.force_login(practitioner)
    response = client.post(DECLARATIONS_URL, {"kinds": ["health_character"]})
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.revalidation_date == bodies.swe_year_end(_today())
    # Social Work England does not ask about indemnity.
    assert client.post(DECLARATIONS_URL, {"kinds": ["indemnity"]}).status_code == 400


def test_other_bodies_are_not_asked_for_declarations(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    _set_body(practitioner, "ukcp", None)
    client.force_login(practitioner)
    assert b'data-testid="no-declarations"' in client.get(DECLARATIONS_URL).content
    assert client.post(DECLARATIONS_URL, {"kinds": ["indemnity"]}).status_code == 400
    assert not Declaration.objects.exists()


def _summary_targets(html: str) -> list[str]:
    """The error summary's links, each of which must land on an element of the page."""
    hrefs = re.findall(r'<a href="#([^"]+)"', html)
    assert hrefs, "no error summary"
    return [h for h in hrefs if f'id="{h}"' not in html]


def test_an_empty_form_is_refused_and_each_error_links_to_its_field(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    account = make_evidence(practitioner.portfolio, title="Feeding cues")
    _set_body(practitioner, "nmc", _today() + dt.timedelta(days=200))
    client.force_login(practitioner)
    for url in (HOURS_URL, DISCUSSIONS_URL, DECLARATIONS_URL):
        response = client.post(url, {})
        assert response.status_code == 400, url
        assert _summary_targets(response.content.decode()) == [], url
    # A ticked account stays ticked when something else is wrong.
    response = client.post(DISCUSSIONS_URL, _discussion_data([account.pk], partner_postcode="x"))
    assert re.search(rf'value="{account.pk}" id="id_accounts" checked', response.content.decode())
