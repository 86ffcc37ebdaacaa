"""Issue 11's register rules: nobody decides an application they are party to, approval
publishes the reviewed snapshot, the public register is honest about the grace period, and the
applicant's smaller actions (referee form, declarations, withdrawing a reference) are checked
and audited.

Fixtures (`prepare`, `submitted`, `commit`, the stand-in PDF) come from test_register.py.
"""

# ruff: noqa: F811  (the fixtures imported from test_register.py are parameters here)
from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from imhcpd.models import User
from portfolios.models import Region
from portfolios.services import TransitionError, portfolio_update
from register import services
from register.models import Application, RegisterEntry
from tests.factories import PASSWORD, RegisterAdminFactory, give_totp
from tests.register.test_register import (  # noqa: F401
    _entry,
    _fast_pdf,
    _review_url,
    commit,
    prepare,
    submitted,
)

pytestmark = pytest.mark.django_db
Status = Application.Status
DECISIONS = ("assign", "approve", "reject", "request_info")


def _decide(action: str, app: Application, admin: User) -> object:
    if action == "assign":
        return services.application_assign(application=app, admin=admin)
    if action == "approve":
        return services.application_approve(application=app, admin=admin)
    if action == "reject":
        return services.application_reject(application=app, admin=admin, reasons="Not yet.")
    return services.application_request_info(application=app, admin=admin, questions="Why?")


def _sign_in(client: Client, user: User) -> None:
    """The login form and then the TOTP code, as the person would (a forced login reads as a
    session that skipped the second factor)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    left = 30 - time.time() % 30
    if left < 1:  # allauth takes only the current period: wait for the next one
        time.sleep(left + 0.05)
    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert int(client.session["_auth_user_id"]) == user.pk


def _make_admin(user: User) -> User:
    from django.contrib.auth.models import Group

    # As RegisterAdminFactory does: a transactional test's flush removes the group the
    # migration ships, and test order can put this after one.
    group, _ = Group.objects.get_or_create(name="Register administrators")
    user.groups.add(group)
    give_totp(user)
    return user


# --- 1. Nobody decides an application they are party to --------------------------------------


@pytest.mark.parametrize("action", DECISIONS)
@pytest.mark.parametrize("party", ["applicant", "endorser", "referee"])
def test_an_administrator_party_to_an_application_cannot_decide_it(  # type: ignore[no-untyped-def]
    submitted, practitioner: User, supervisor: User, party: str, action: str
) -> None:
    if party == "applicant":
        admin = _make_admin(practitioner)
    elif party == "endorser":
        admin = _make_admin(supervisor)
    else:
        admin = RegisterAdminFactory(email="referee1@example.org", full_name="Rey Referee")
        give_totp(admin)
    events = submitted.events.count()
    with pytest.raises(services.PartyToApplication, match="another administrator"):
        _decide(action, submitted, admin)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert submitted.assigned_to is None
    assert submitted.events.count() == events
    assert not RegisterEntry.objects.exists()


def test_an_unrelated_administrator_can_still_decide(submitted, register_admin: User) -> None:  # type: ignore[no-untyped-def]
    entry = services.application_approve(application=submitted, admin=register_admin)
    assert entry.status == RegisterEntry.Status.CURRENT


def test_admin_page_says_why_and_hides_the_decision_buttons(  # type: ignore[no-untyped-def]
    client: Client, submitted, supervisor: User
) -> None:
    admin = _make_admin(supervisor)
    _sign_in(client, admin)
    page = client.get(_review_url(submitted))
    assert page.status_code == 200
    html = page.content.decode()
    assert "You cannot decide this application." in html
    assert "You were asked to endorse this applicant" in html
    approve = reverse("register:admin_approve", args=[submitted.pk])
    reject = reverse("register:admin_reject", args=[submitted.pk])
    for button in (approve, reject, 'value="request_info"', 'value="assign"'):
        assert button not in html
    for url in (approve, reject):
        confirm = client.get(url)
        assert confirm.status_code == 403
        assert "You were asked to endorse this applicant" in confirm.content.decode()
        assert "Yes, approve" not in confirm.content.decode()
    assert client.post(approve, {"version": "1"}).status_code == 403
    assert client.post(reject, {"reasons": "No."}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


# --- 2. Approval publishes the reviewed snapshot ----------------------------------------------


def test_approval_publishes_the_snapshot_not_the_live_portfolio(  # type: ignore[no-untyped-def]
    submitted, practitioner: User, register_admin: User
) -> None:
    portfolio = practitioner.portfolio
    reviewed_region = portfolio.get_region_display()
    # Changed after submission, never reviewed by anyone.
    portfolio_update(portfolio=portfolio, by=practitioner, data={"region": Region.SCOTLAND})
    User.objects.filter(pk=practitioner.pk).update(full_name="Renamed Later")
    entry = services.application_approve(application=submitted, admin=register_admin)
    assert entry.region == Region.NORTH_WEST
    assert entry.region_label == reviewed_region
    assert entry.name == "Pat Practitioner"
    assert "snapshot version 1" in submitted.events.last().detail


def test_approval_refuses_a_version_the_administrator_did_not_review(  # type: ignore[no-untyped-def]
    submitted, register_admin: User
) -> None:
    with pytest.raises(TransitionError, match="resubmitted"):
        services.application_approve(
            application=submitted, admin=register_admin, reviewed_version=0
        )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


# --- 3. The public register and the grace period ----------------------------------------------


def test_an_entry_in_its_grace_period_is_shown_as_expired(client: Client, framework) -> None:  # type: ignore[no-untyped-def]
    entry = _entry("Gale Grace", valid_to=dt.date(2026, 3, 1))
    with time_machine.travel(dt.datetime(2026, 3, 10, 12), tick=False):
        html = client.get(f"/register/entries/{entry.number}/").content.decode()
        assert "Expired — in grace period until 31 March 2026" in html
        assert "Current" not in html
        assert "Valid until" not in html
        listed = client.get("/register/", {"q": "Gale"}).content.decode()
        assert "Expired — in grace period until 31 March 2026" in listed
    with time_machine.travel(dt.datetime(2026, 2, 27, 12), tick=False):
        html = client.get(f"/register/entries/{entry.number}/").content.decode()
        assert "Current" in html and "Valid until" in html and "grace" not in html


# --- 4. The referee form, declarations and withdrawing a reference ----------------------------


@pytest.mark.parametrize(
    ("name", "email", "message"),
    [
        ("R" * 151, "long@example.org", "at most 150 characters"),
        ("Rowan Referee", "not-an-email", "email address in the right format"),
        ("", "someone@example.org", "Enter the referee&#x27;s name"),
        ("Rowan Referee", "r" * 250 + "@example.org", "at most 254 characters"),
    ],
)
def test_referee_name_and_email_are_checked_with_a_4xx(  # type: ignore[no-untyped-def]
    client: Client, prepare, practitioner: User, name: str, email: str, message: str
) -> None:
    app = prepare(references=0)
    client.force_login(practitioner)
    response = client.post(
        "/register/apply/", {"action": "reference", "name": name, "email": email}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not app.references.exists()


def test_declarations_are_locked_conditional_and_audited(  # type: ignore[no-untyped-def]
    prepare, practitioner: User, other_practitioner: User
) -> None:
    app = prepare(declare=False)
    services.application_declare(application=app, keys=["registration"], by=practitioner)
    assert "registration" in app.declarations
    event = app.events.last()
    assert (event.actor, event.detail) == (practitioner, "declarations agreed: registration")
    with pytest.raises(TransitionError, match="Only the applicant"):
        services.application_declare(application=app, keys=[], by=other_practitioner)
    # A stale copy cannot write declarations after submission.
    stale = Application.objects.get(pk=app.pk)
    Application.objects.filter(pk=app.pk).update(status=Status.SUBMITTED)
    with pytest.raises(TransitionError, match="before you submit"):
        services.application_declare(application=stale, keys=[], by=practitioner)
    app.refresh_from_db()
    assert "registration" in app.declarations


def test_withdrawing_a_reference_is_conditional_and_audited(  # type: ignore[no-untyped-def]
    prepare, practitioner: User
) -> None:
    app = prepare(references=1, received=0)
    reference = app.references.get()
    services.reference_withdraw(reference=reference, by=practitioner)
    assert reference.status == "withdrawn"
    event = app.events.last()
    assert (event.actor, event.detail) == (practitioner, "reference from Referee 1 withdrawn")
    events = app.events.count()
    with pytest.raises(TransitionError, match="already withdrawn"):
        services.reference_withdraw(reference=reference, by=practitioner)
    assert app.events.count() == events
