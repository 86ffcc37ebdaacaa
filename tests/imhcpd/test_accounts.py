"""Accounts: email login, mandatory verification, rate limits, MFA for privileged roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import formats, translation

from imhcpd.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(client, email: str = "robin@example.org"):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/signup/",
        {
            "full_name": "  Robin   Example ",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_signup_needs_email_verification_before_login(client) -> None:
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="robin@example.org")
    assert user.full_name == "Robin Example"
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session

    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert link, message.body

    login = client.post("/accounts/login/", {"login": "robin@example.org", "password": PASSWORD})
    assert login["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    assert client.post(link.group(1)).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    login = client.post("/accounts/login/", {"login": "ROBIN@example.org", "password": PASSWORD})
    assert login["Location"] == "/portfolio/"
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "   ", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("password1", "short", "This password is too short."),
    ],
)
def test_signup_bad_input_is_explained(client, field: str, value: str, message: str) -> None:
    data = {
        "full_name": "Robin Example",
        "email": "robin@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data[field] = value
    if field == "password1":
        data["password2"] = value
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200  # allauth re-renders the form with the error
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_repeated_failed_logins_are_rate_limited(client) -> None:
    user = UserFactory()
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(client) -> None:
    user = UserFactory()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "/accounts/password/reset/key/" in message.body


def test_user_with_totp_is_asked_for_a_code(client, staff: User) -> None:
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/register/admin/", "/admin/"])
def test_privileged_users_without_mfa_are_sent_to_set_it_up(client, url: str) -> None:
    from tests.factories import RegisterAdminFactory, StaffFactory

    client.force_login(RegisterAdminFactory() if url.startswith("/register") else StaffFactory())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks for the password again before showing the set-up page.
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    assert "two-factor authentication is required" in page.content.decode()


def test_mfa_is_not_forced_on_practitioners(client, practitioner: User, framework) -> None:
    client.force_login(practitioner)
    assert client.get("/framework/").status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def nav_items(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z-]+)"', html))


def test_navigation_follows_the_roles(client, practitioner, register_admin, staff) -> None:
    assert nav_items(client.get("/framework/").content.decode()) == {"sign-in", "sign-up"}
    client.force_login(practitioner)
    assert nav_items(client.get("/framework/").content.decode()) == {
        "dashboard",
        "matrix",
        "evidence",
        "plan",
        "exports",
        "register-apply",
        "supervisors",
        "notifications",
        "account",
        "security",
        "my-data",
        "sign-out",
    }
    client.force_login(register_admin)
    assert "register-admin" in nav_items(client.get("/framework/").content.decode())
    assert "site-admin" not in nav_items(client.get("/framework/").content.decode())
    client.force_login(staff)
    assert "site-admin" in nav_items(client.get("/framework/").content.decode())


def test_pages_have_skip_link_landmarks_and_uk_language(client) -> None:
    html = client.get("/").content.decode()
    assert '<html lang="en-GB">' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "<header" in html and "<footer" in html and 'aria-label="Main"' in html
    assert "cdn" not in html.lower()


def test_dates_are_written_the_uk_way() -> None:
    with translation.override("en-gb"):
        day = dt.date(2026, 11, 3)
        assert formats.date_format(day) == "3 November 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "03/11/2026"
        from django import forms

        assert forms.DateField().clean("03/11/2026") == day


def test_demo_accounts_only_with_debug(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created when DEBUG is on"):
        call_command("create_demo_accounts")
    assert not User.objects.exists()
    settings.DEBUG = True
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")  # idempotent
    assert User.objects.count() == 3
    assert EmailAddress.objects.filter(verified=True).count() == 3
    admin = User.objects.get(email="registeradmin@example.com")
    assert admin.groups.filter(name="Register administrators").exists()


def test_a_supervisor_without_a_portfolio_sees_their_own_work(
    client, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_supervision

    make_supervision(practitioner.portfolio, supervisor)
    client.force_login(supervisor)
    assert client.get("/")["Location"] == "/supervision/"
    items = nav_items(client.get("/supervision/").content.decode())
    assert "supervision" in items
    assert not items & {"dashboard", "matrix", "evidence", "plan", "exports"}
    # Anyone with a portfolio of their own keeps the practitioner's pages.
    client.force_login(practitioner)
    assert client.get("/")["Location"] == "/portfolio/"
