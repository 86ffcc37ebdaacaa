"""Membership (issue 15): what a member shares and how they change it, leaving (sharing stops
at once, the lead sees nothing of them), removing, co-leads, last-lead protection, the home
page, closing an account, and a TeamEvent for every change."""

from __future__ import annotations

import pytest

from imhcpd.erasure import account_erase, personal_data_sections
from portfolios.teams.models import Membership, Service, TeamEvent, TeamInvitation
from tests.factories import REFLECTION, UserFactory, make_evidence, make_portfolio
from tests.teams import consent, invite, join, pair_team, statuses

pytestmark = pytest.mark.django_db

capture = pytest.fixture(
    lambda django_capture_on_commit_callbacks: django_capture_on_commit_callbacks
)


def members_page(client, lead, service: Service) -> str:  # type: ignore[no-untyped-def]
    client.force_login(lead)
    client.get(f"/teams/{service.pk}/members/")  # shows (and so clears) any flash message
    response = client.get(f"/teams/{service.pk}/members/")
    assert response.status_code == 200
    return response.content.decode()


def test_what_i_share_shows_the_summary_and_never_the_evidence(
    client, capture, practitioner, other_practitioner
) -> None:
    make_evidence(other_practitioner.portfolio)
    service = pair_team(practitioner)
    membership = join(capture, client, service, practitioner, other_practitioner)
    page = client.get(f"/teams/memberships/{membership.pk}/").content.decode()
    assert "What you share with Riverside PAIR team" in page
    for row in ("Role in the team", "Whole-time equivalent", "Working towards", "Level 2"):
        assert row in page
    for text in REFLECTION.values():
        assert text not in page
    lead_page = members_page(client, practitioner, service)
    assert other_practitioner.full_name in lead_page and "Sharing" in lead_page
    for text in REFLECTION.values():
        assert text not in lead_page


def test_a_member_changes_their_choices_and_stops_sharing(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    membership = join(capture, client, service, practitioner, other_practitioner)
    url = f"/teams/memberships/{membership.pk}/"
    response = client.post(url, consent(role="senior_clinician", wte="1.0", target_level="3"))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.target_level) == ("senior_clinician", 3)
    assert statuses(service)[-1] == "updated"
    detail = TeamEvent.objects.filter(service=service).last().detail
    assert "role, WTE, target level" in detail

    # Unticking as a clinician is refused: a clinician in the team shares, or leaves.
    response = client.post(url, consent(role="senior_clinician", wte="1.0", consent=None))
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    # As support staff they may stay without sharing: sharing stops at once.
    response = client.post(url, consent(role="support", wte="1.0", consent=None))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.shares_summary and membership.consented_at is None
    assert statuses(service)[-2:] == ["not_sharing", "updated"]
    assert "Not sharing" in members_page(client, practitioner, service)


def test_leaving_stops_sharing_at_once_and_the_lead_sees_nothing_of_them(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    membership = join(capture, client, service, practitioner, other_practitioner)
    assert other_practitioner.full_name in members_page(client, practitioner, service)

    client.force_login(other_practitioner)
    confirm = client.get(f"/teams/memberships/{membership.pk}/leave/")
    assert "Sharing stops at once" in confirm.content.decode()
    response = client.post(f"/teams/memberships/{membership.pk}/leave/")
    assert response["Location"] == "/teams/"
    membership.refresh_from_db()
    assert membership.left_at is not None and not membership.shares_summary
    assert statuses(service)[-1] == "left"
    # Their own page is gone, and the lead's pages no longer list them.
    assert client.get(f"/teams/memberships/{membership.pk}/").status_code == 404
    assert other_practitioner.full_name not in members_page(client, practitioner, service)
    assert client.get(f"/teams/{service.pk}/members/{membership.pk}/remove/").status_code == 404


def test_the_last_lead_cannot_leave_or_be_removed_until_there_is_another(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    own = service.memberships.get(user=practitioner)
    client.force_login(practitioner)
    page = client.get(f"/teams/memberships/{own.pk}/leave/").content.decode()
    assert "You are the only lead" in page
    client.post(f"/teams/memberships/{own.pk}/leave/")
    client.post(f"/teams/{service.pk}/members/{own.pk}/remove/")
    own.refresh_from_db()
    assert own.left_at is None and statuses(service) == ["created"]

    member = join(capture, client, service, practitioner, other_practitioner)
    client.force_login(practitioner)
    response = client.post(f"/teams/{service.pk}/members/{member.pk}/lead/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_lead and statuses(service)[-1] == "lead"
    # The new co-lead sees the members page; the first lead can now leave.
    client.force_login(other_practitioner)
    assert client.get(f"/teams/{service.pk}/members/").status_code == 200
    client.force_login(practitioner)
    client.post(f"/teams/memberships/{own.pk}/leave/")
    own.refresh_from_db()
    assert own.left_at is not None
    assert client.get(f"/teams/{service.pk}/members/").status_code == 404
    # Now the co-lead is the only lead.
    client.force_login(other_practitioner)
    client.post(f"/teams/{service.pk}/members/{member.pk}/remove/")
    member.refresh_from_db()
    assert member.left_at is None


def test_a_lead_removes_a_member(client, capture, practitioner, other_practitioner) -> None:
    service = pair_team(practitioner)
    member = join(capture, client, service, practitioner, other_practitioner)
    client.force_login(practitioner)
    page = client.get(f"/teams/{service.pk}/members/{member.pk}/remove/").content.decode()
    assert f"Remove {other_practitioner.full_name}" in page
    response = client.post(f"/teams/{service.pk}/members/{member.pk}/remove/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_at is not None and not member.shares_summary
    assert statuses(service)[-1] == "removed"
    assert other_practitioner.full_name not in members_page(client, practitioner, service)
    # Another service's lead cannot touch this one.
    stranger = UserFactory()
    other = pair_team(stranger, name="Elsewhere team")
    client.force_login(stranger)
    assert client.get(f"/teams/{service.pk}/members/").status_code == 404
    assert client.post(f"/teams/{other.pk}/members/{member.pk}/lead/").status_code == 404


def test_a_lead_may_share_their_own_summary_with_the_same_consent(client, practitioner) -> None:
    service = pair_team(practitioner)
    own = service.memberships.get(user=practitioner)
    client.force_login(practitioner)
    page = client.get(f"/teams/memberships/{own.pk}/").content.decode()
    assert "You are not sharing a summary" in page
    response = client.post(f"/teams/memberships/{own.pk}/", consent(role="clinical_lead"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.shares_summary and own.role == "clinical_lead" and own.consented_at
    assert statuses(service) == ["created", "sharing", "updated"]


def test_home_lists_services_led_and_memberships_held_and_the_nav_shows_teams(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    membership = join(capture, client, service, practitioner, other_practitioner)
    page = client.get("/teams/").content.decode()
    assert f"/teams/memberships/{membership.pk}/" in page
    assert 'href="/teams/"' in page  # the navigation link
    client.force_login(practitioner)
    page = client.get("/teams/").content.decode()
    assert f"/teams/{service.pk}/" in page and f"/teams/{service.pk}/members/" in page
    newcomer = UserFactory()
    make_portfolio(newcomer, practitioner.portfolio.framework)
    client.force_login(newcomer)
    # Not in a team yet: no "Teams" under More, only the account menu's way to start one.
    page = client.get("/portfolio/").content.decode()
    assert 'data-nav="teams"' not in page and 'data-nav="teams-start"' in page


def test_every_change_writes_a_team_event(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    member = join(capture, client, service, practitioner, other_practitioner)
    third = UserFactory(email="third@example.org")
    token = invite(capture, service, practitioner, third.email)
    client.force_login(practitioner)
    pending = service.invitations.get(status="pending")
    client.post(f"/teams/{service.pk}/invitations/{pending.pk}/withdraw/")
    client.post(f"/teams/{service.pk}/members/{member.pk}/lead/")
    client.post(f"/teams/{service.pk}/members/{member.pk}/remove/")
    assert token
    assert statuses(service) == [
        "created",
        "invited",
        "accepted",
        "invited",
        "withdrawn",
        "lead",
        "removed",
    ]
    assert all(e.actor_name for e in TeamEvent.objects.filter(service=service))


def test_closing_an_account_ends_memberships_and_deletes_services_led_alone(
    client, capture, practitioner, other_practitioner
) -> None:
    shared = pair_team(practitioner, name="Shared team")
    member = join(capture, client, shared, practitioner, other_practitioner)
    alone = pair_team(other_practitioner, name="Alone team")
    invite(capture, alone, other_practitioner, "someone@example.org")
    co_led = pair_team(other_practitioner, name="Co-led team")
    join(capture, client, co_led, other_practitioner, practitioner)
    client.force_login(other_practitioner)
    own_in_co_led = co_led.memberships.get(user=practitioner)
    client.post(f"/teams/{co_led.pk}/members/{own_in_co_led.pk}/lead/")
    waiting = invite(capture, co_led, other_practitioner, "waiting@example.org")
    assert waiting

    data = personal_data_sections(other_practitioner)["teams"]
    assert {m["service"] for m in data["memberships"]} == {
        "Shared team",
        "Alone team",
        "Co-led team",
    }
    assert len(data["invitations_sent"]) == 3  # two waiting, one accepted

    name = other_practitioner.full_name
    account_erase(user=other_practitioner, by=other_practitioner)

    assert not Service.objects.filter(name="Alone team").exists()
    assert Service.objects.filter(pk=co_led.pk).exists()
    assert not Membership.objects.filter(pk=member.pk).exists()
    left = TeamEvent.objects.filter(service=shared, to_status="left").get()
    assert left.actor_name == name and name in left.detail
    assert co_led.invitations.get(email="waiting@example.org").status == (
        TeamInvitation.Status.WITHDRAWN
    )
    assert co_led.memberships.get(user=practitioner, left_at=None).is_lead
