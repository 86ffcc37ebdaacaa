"""Team invitations (issue 15): a single-use link, consent on the accept page, and the same
misuse handling as supervision invitations (expired, reused, someone else's, withdrawn,
unknown). Every refused use changes nothing. Everyone is invented (example.org)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from imhcpd.invitations import SESSION_KEY
from portfolios.teams.models import Membership, TeamInvitation, TeamStandard
from tests.factories import UserFactory
from tests.teams import accept_url, consent, invite, pair_team, statuses

pytestmark = pytest.mark.django_db

capture = pytest.fixture(
    lambda django_capture_on_commit_callbacks: django_capture_on_commit_callbacks
)


def invited(capture, lead, invitee):  # type: ignore[no-untyped-def]
    """A PAIR team led by `lead`, and the link of its invitation to `invitee`."""
    service = pair_team(lead)
    return service, invite(capture, service, lead, invitee.email)


def state(invitation: TeamInvitation) -> tuple[object, ...]:
    """Everything an invitation link could change."""
    row = TeamInvitation.objects.get(pk=invitation.pk)
    return (
        row.status,
        row.accepted_by_id,
        row.decided_at,
        Membership.objects.count(),
        row.service.events.count(),
    )


def test_a_lead_creates_a_service_invites_and_the_member_consents(
    client, capture, practitioner, other_practitioner
) -> None:
    client.force_login(practitioner)
    response = client.post(
        "/teams/new/", {"name": "Riverside PAIR team", "kind": "pair", "region": "wales"}
    )
    service = practitioner.team_memberships.get().service
    assert response["Location"] == f"/teams/{service.pk}/members/"
    assert service.standard == TeamStandard.objects.get(kind="pair", is_default=True)
    assert service.memberships.get().is_lead

    with capture(execute=True):
        response = client.post(
            f"/teams/{service.pk}/members/invite/",
            {"email": other_practitioner.email, "name": "Olive Other", "role": "clinician"},
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [other_practitioner.email]
    assert "Riverside PAIR team" in message.subject
    invitation = service.invitations.get()
    assert invitation.token_hash not in message.body  # only the digest is stored
    token = accept_url(message.body.split("/teams/invitations/")[1].split("/")[0])

    client.force_login(other_practitioner)
    page = client.get(token).content.decode()
    # Exactly what is shared, and what never is.
    for shared in (
        "WTE",
        "level you have achieved",
        "signed off in each domain",
        "CPD hours this year",
        "register status",
    ):
        assert shared in page
    for never in ("Your evidence", "Your reflections", "Attachments", "self-assessment notes"):
        assert never in page
    response = client.post(token, consent(wte="0.6", target_level="3"))
    membership = service.memberships.get(user=other_practitioner)
    assert response["Location"] == f"/teams/memberships/{membership.pk}/"
    assert (membership.role, membership.wte, membership.target_level) == (
        "clinician",
        Decimal("0.6"),
        3,
    )
    assert membership.shares_summary and membership.consented_at and not membership.is_lead
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", other_practitioner)
    assert statuses(service) == ["created", "invited", "accepted"]

    # The link worked once.
    before = state(invitation)
    response = client.post(token, consent())
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert state(invitation) == before


def test_no_consent_tick_is_a_400_with_a_message_and_nothing_joins(
    client, capture, practitioner, other_practitioner
) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    invitation = service.invitations.get()
    before = state(invitation)
    client.force_login(other_practitioner)
    response = client.post(accept_url(token), consent(consent=None))
    assert response.status_code == 400
    assert "Tick the box to agree to share your summary" in response.content.decode()
    assert state(invitation) == before


@pytest.mark.parametrize(
    ("wte", "message"),
    [("1.5", "1.0 or less"), ("0", "at least 0.1"), ("lots", "as a number"), ("", "Enter your")],
)
def test_wte_is_validated(client, capture, practitioner, other_practitioner, wte, message) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    client.force_login(other_practitioner)
    response = client.post(accept_url(token), consent(wte=wte))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not service.memberships.filter(user=other_practitioner).exists()


def test_sharing_needs_a_portfolio_but_support_staff_may_join_without_sharing(
    client, capture, practitioner
) -> None:
    manager = UserFactory(full_name="Morgan Manager")  # no portfolio
    service = pair_team(practitioner)
    token = invite(capture, service, practitioner, manager.email)
    client.force_login(manager)
    assert "You have no portfolio yet" in client.get(accept_url(token)).content.decode()
    response = client.post(accept_url(token), consent(role="support"))
    assert response.status_code == 400
    assert "Sharing a summary needs a portfolio" in response.content.decode()
    response = client.post(
        accept_url(token), consent(role="support", consent=None, target_level=None)
    )
    assert response.status_code == 302
    membership = service.memberships.get(user=manager)
    assert (membership.role, membership.shares_summary, membership.consented_at) == (
        "support",
        False,
        None,
    )


def test_expired_link_is_refused_and_changes_nothing(
    client, capture, practitioner, other_practitioner
) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    invitation = service.invitations.get()
    before = state(invitation)
    client.force_login(other_practitioner)
    with time_machine.travel(invitation.expires_at - dt.timedelta(seconds=1)):
        assert client.get(accept_url(token)).status_code == 200
    with time_machine.travel(invitation.expires_at + dt.timedelta(seconds=1)):
        for response in (client.get(accept_url(token)), client.post(accept_url(token), consent())):
            assert response.status_code == 410
            assert "expired" in response.content.decode()
    assert state(invitation) == before


def test_someone_elses_link_is_refused_with_a_clear_page(
    client, capture, practitioner, other_practitioner, supervisor
) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    before = state(service.invitations.get())
    client.force_login(supervisor)
    for response in (client.get(accept_url(token)), client.post(accept_url(token), consent())):
        assert response.status_code == 410
        assert "sent to a different email address" in response.content.decode()
    # The lead opening their own link: already in the service.
    client.force_login(practitioner)
    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "You are already in Riverside PAIR team" in response.content.decode()
    assert state(service.invitations.get()) == before


def test_withdrawn_link_is_refused(client, capture, practitioner, other_practitioner) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    invitation = service.invitations.get()
    client.force_login(practitioner)
    response = client.post(f"/teams/{service.pk}/invitations/{invitation.pk}/withdraw/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "withdrawn"
    assert statuses(service)[-1] == "withdrawn"
    # Withdrawing twice changes nothing more.
    client.post(f"/teams/{service.pk}/invitations/{invitation.pk}/withdraw/")
    assert statuses(service).count("withdrawn") == 1

    client.force_login(other_practitioner)
    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_unknown_link_is_a_404_that_says_why(client, other_practitioner) -> None:
    client.force_login(other_practitioner)
    response = client.get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "cannot be used" in response.content.decode()


def test_signed_out_the_page_offers_sign_in_or_an_account_prefilled(
    client, capture, practitioner
) -> None:
    service = pair_team(practitioner)
    token = invite(capture, service, practitioner, "new.person@example.org", name="Nia New")
    response = client.get(accept_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/accounts/login/?next=" in page and "/accounts/signup/?next=" in page
    assert "Your reflections" in page  # the consent text is there before signing in
    assert client.session[SESSION_KEY] == {"email": "new.person@example.org", "name": "Nia New"}
    # After signing in (or verifying a new address) the person comes back to this page.
    assert client.session["imhcpd_resume_after_login"] == accept_url(token)
    signup = client.get("/accounts/signup/").content.decode()
    assert 'value="new.person@example.org"' in signup


def test_declining_is_recorded_and_the_link_then_used(
    client, capture, practitioner, other_practitioner
) -> None:
    service, token = invited(capture, practitioner, other_practitioner)
    client.force_login(other_practitioner)
    response = client.post(accept_url(token), {"action": "decline"})
    assert response.status_code == 302
    assert service.invitations.get().status == "declined"
    assert statuses(service)[-1] == "declined"
    assert not service.memberships.filter(user=other_practitioner).exists()
    assert client.get(accept_url(token)).status_code == 410


def test_resend_gives_a_new_link_and_the_old_one_stops_working(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    old = invite(capture, service, practitioner, other_practitioner.email)
    invitation = service.invitations.get()
    client.force_login(practitioner)
    with capture(execute=True):
        response = client.post(f"/teams/{service.pk}/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    new = mail.outbox[-1].body.split("/teams/invitations/")[1].split("/")[0]
    assert new != old
    client.force_login(other_practitioner)
    assert client.get(accept_url(old)).status_code == 404
    assert client.get(accept_url(new)).status_code == 200
    assert statuses(service) == ["created", "invited", "invited"]


def test_a_second_invitation_to_the_same_address_or_a_member_is_refused(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    invite(capture, service, practitioner, other_practitioner.email)
    client.force_login(practitioner)
    response = client.post(
        f"/teams/{service.pk}/members/invite/", {"email": other_practitioner.email}
    )
    assert response.status_code == 400
    assert "already has an invitation waiting" in response.content.decode()
    response = client.post(f"/teams/{service.pk}/members/invite/", {"email": practitioner.email})
    assert response.status_code == 400
    assert "already in this service" in response.content.decode()
    response = client.post(f"/teams/{service.pk}/members/invite/", {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter an email address like" in response.content.decode()
    assert service.invitations.count() == 1


def test_an_invitation_as_co_lead_makes_a_lead_who_may_join_without_sharing(
    client, capture, practitioner, other_practitioner
) -> None:
    service = pair_team(practitioner)
    token = invite(capture, service, practitioner, other_practitioner.email, as_lead=True)
    assert "as a co-lead" in mail.outbox[-1].body
    client.force_login(other_practitioner)
    response = client.post(accept_url(token), consent(role="clinical_lead", consent=None))
    assert response.status_code == 302
    membership = service.memberships.get(user=other_practitioner)
    assert membership.is_lead and not membership.shares_summary
    assert client.get(f"/teams/{service.pk}/members/").status_code == 200


def test_invitations_and_resends_count_towards_the_invitation_quota(
    client, capture, settings, practitioner, other_practitioner
) -> None:
    settings.QUOTAS = {**settings.QUOTAS, "invitation": "20/d/user,2/d/target"}
    service = pair_team(practitioner)
    client.force_login(practitioner)
    with capture(execute=True):
        response = client.post(
            f"/teams/{service.pk}/members/invite/", {"email": other_practitioner.email}
        )
    assert response.status_code == 302
    invitation = service.invitations.get()
    resend = f"/teams/{service.pk}/invitations/{invitation.pk}/resend/"
    assert client.post(resend).status_code == 302
    before = TeamInvitation.objects.get(pk=invitation.pk).token_hash
    assert client.post(resend).status_code == 429
    assert TeamInvitation.objects.get(pk=invitation.pk).token_hash == before
    assert statuses(service) == ["created", "invited", "invited"]
