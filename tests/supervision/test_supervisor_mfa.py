"""Supervisors read families' reflective accounts: offered MFA when they accept an invitation,
and required when the operator sets SUPERVISOR_MFA_REQUIRED (issue 11, finding 15)."""

from __future__ import annotations

import pytest

from imhcpd.links import token_digest
from imhcpd.models import User
from portfolios.supervision import services as sv
from portfolios.supervision.models import Supervision
from tests.factories import give_totp, make_supervision
from tests.imhcpd.signin import sign_in

pytestmark = pytest.mark.django_db

TOKEN = "an-invitation-token-for-the-tests"
SET_UP = "/accounts/2fa/totp/activate/"


@pytest.fixture
def invitation(practitioner: User, supervisor: User) -> str:
    """An invitation to `supervisor`; returns its link (the token is set directly, so the
    test does not depend on how the email is delivered)."""
    invited = sv.supervision_invite(
        portfolio=practitioner.portfolio,
        name=supervisor.full_name,
        email=supervisor.email,
        role=Supervision.Role.CLINICAL_SUPERVISOR,
        by=practitioner,
    )
    Supervision.objects.filter(pk=invited.pk).update(token_hash=token_digest(TOKEN))
    return f"/supervision/invitations/{TOKEN}/"


def test_accepting_without_mfa_shows_a_prompt_to_set_it_up_once(client, supervisor, invitation):
    sign_in(client, supervisor)
    accepted = client.post(invitation, {"action": "accept"})
    assert accepted["Location"] == "/supervision/"

    page = client.get("/supervision/").content.decode()
    assert 'data-testid="offer-mfa"' in page
    assert "two-factor authentication" in page
    assert f'href="{SET_UP}"' in page
    assert 'data-bs-dismiss="alert"' in page  # dismissible
    # Shown on the page after accepting, not on every visit.
    assert 'data-testid="offer-mfa"' not in client.get("/supervision/").content.decode()


def test_a_supervisor_who_has_mfa_is_not_prompted(client, supervisor, invitation) -> None:
    give_totp(supervisor)
    sign_in(client, supervisor)
    client.post(invitation, {"action": "accept"})
    assert 'data-testid="offer-mfa"' not in client.get("/supervision/").content.decode()


def test_without_the_flag_supervisors_are_not_forced(client, practitioner, supervisor) -> None:
    make_supervision(practitioner.portfolio, supervisor)
    sign_in(client, supervisor)
    assert client.get("/supervision/").status_code == 200


@pytest.fixture
def required(settings) -> None:
    settings.SUPERVISOR_MFA_REQUIRED = True


@pytest.mark.usefixtures("required")
def test_when_required_accepting_leads_straight_to_set_up(client, supervisor, invitation):
    sign_in(client, supervisor)
    accepted = client.post(invitation, {"action": "accept"})
    page = client.get(accepted["Location"])
    assert page.status_code == 302
    assert page["Location"] == SET_UP


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize(
    "url",
    [
        "/supervision/",
        "/supervision/supervisees/{pk}/",
        "/supervision/notifications/",
    ],
)
def test_when_required_supervision_pages_need_a_second_factor_in_the_session(
    client, practitioner, supervisor, url: str
) -> None:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    url = url.format(pk=supervision.pk)
    sign_in(client, supervisor)  # no authenticator yet
    assert client.get(url)["Location"] == SET_UP

    give_totp(supervisor)  # set up elsewhere: this session still only gave a password
    assert client.get(url)["Location"].startswith("/accounts/2fa/reauthenticate/?next=")

    client.logout()
    sign_in(client, supervisor)  # password and code
    assert client.get(url).status_code == 200


@pytest.mark.usefixtures("required")
def test_when_required_practitioners_and_invitations_are_unaffected(
    client, practitioner, supervisor, invitation
) -> None:
    sign_in(client, practitioner)  # invites, but supervises no one
    assert client.get("/supervision/").status_code == 200
    assert client.get("/supervision/supervisors/").status_code == 200
    client.logout()
    sign_in(client, supervisor)
    assert client.get(invitation).status_code == 200
