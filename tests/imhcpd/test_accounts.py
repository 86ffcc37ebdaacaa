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
from tests.factories import PASSWORD, RegisterAdminFactory, StaffFactory, UserFactory, give_totp
from tests.imhcpd.signin import sign_in, totp_code

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

    # Confirming in the browser that tried to sign in finishes that sign-in.
    assert client.post(link.group(1))["Location"] == "/"
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk
    client.post("/accounts/logout/")
    login = client.post("/accounts/login/", {"login": "ROBIN@example.org", "password": PASSWORD})
    assert login["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "   ", "Enter your full name"),
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
    # Primary links and the account menu; tests/imhcpd/test_navigation.py pins the order.
    anonymous = nav_items(client.get("/framework/").content.decode())
    assert anonymous == {"framework", "public-register", "sign-in", "sign-up"}
    client.force_login(practitioner)
    assert nav_items(client.get("/framework/").content.decode()) >= {
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
    assert "review-queue" in items
    assert not items & {"dashboard", "matrix", "evidence", "plan", "exports"}
    # Anyone with a portfolio of their own keeps the practitioner's pages.
    client.force_login(practitioner)
    assert client.get("/")["Location"] == "/portfolio/"


# --- Issue 11, finding 1: MFA means a second factor in THIS session ----------------------

ADMIN_PAGES = ["/admin/", "/admin/imhcpd/user/", "/register/admin/", "/register/admin/entries/"]


def test_a_password_only_post_to_the_admin_login_never_signs_in(client, staff) -> None:
    """Django's own admin form used to sign in on a password alone, skipping TOTP."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # Following the redirect is allauth's login, which asks for the code.
    login = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert login["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_rate_limited_like_every_login(client, staff) -> None:
    for _ in range(30):
        client.post("/admin/login/", {"username": staff.email, "password": "wrong-password"})
        client.post("/accounts/login/", {"login": staff.email, "password": "wrong-password"})
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


def password_only_session(client, user: User) -> None:
    """Signed in with a password before TOTP existed (TOTP then added from elsewhere): the
    session holds only a password record, though MFA is now enabled for the account."""
    sign_in(client, user)
    give_totp(user)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_session_without_a_second_factor_gets_no_admin_page(client, url: str) -> None:
    user = StaffFactory() if url.startswith("/admin/") else RegisterAdminFactory()
    password_only_session(client, user)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/2fa/reauthenticate/?next={url.replace('/', '%2F')}"

    done = client.post(response["Location"], {"code": totp_code(user)})
    assert done["Location"] == url
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_force_login_reads_as_a_session_without_a_second_factor(
    client, staff, register_admin, url: str
) -> None:
    client.force_login(staff if url.startswith("/admin/") else register_admin)
    assert client.get(url)["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_register_admin_required_checks_the_session_itself(client, settings) -> None:
    """Wherever an administration view is mounted, not only under the middleware's paths."""
    settings.MFA_REQUIRED_PATHS = {}
    admin = RegisterAdminFactory()
    password_only_session(client, admin)
    response = client.get("/register/admin/")
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_signing_in_with_the_code_opens_the_admin_pages(client, staff, register_admin) -> None:
    sign_in(client, staff)
    assert client.get("/admin/").status_code == 200
    client.logout()
    sign_in(client, register_admin)
    assert client.get("/register/admin/").status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # not staff


@pytest.mark.django_db(transaction=True)
def test_setting_up_totp_counts_as_the_second_factor_for_the_session(client) -> None:
    """allauth announces the new authenticator after commit, still inside the request (a
    real commit is needed: a test transaction would run it after the session was saved)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    admin = RegisterAdminFactory()
    sign_in(client, admin)
    assert client.get("/register/admin/")["Location"] == "/accounts/2fa/totp/activate/"
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(dt.datetime.now().timestamp()) // 30))
    client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert admin.authenticator_set.filter(type="totp").exists()
    assert client.get("/register/admin/").status_code == 200


# --- Issue 11, finding 14: throttling fit for thousands of staff behind one address -------


def test_one_accounts_failures_lock_that_account_not_its_colleagues(client) -> None:
    mistyped, colleague = UserFactory(), UserFactory()
    for _ in range(6):
        client.post("/accounts/login/", {"login": mistyped.email, "password": "wrong-password"})
    locked = client.post("/accounts/login/", {"login": mistyped.email, "password": PASSWORD})
    assert "Too many failed login attempts" in locked.content.decode()
    sign_in(client, colleague)


def test_many_colleagues_mistyping_from_one_address_lock_nobody_out(client) -> None:
    """Thirty people behind the trust's address each mistype once in the same minute."""
    for person in UserFactory.create_batch(30):
        client.post("/accounts/login/", {"login": person.email, "password": "wrong-password"})
    sign_in(client, UserFactory())


def test_failed_reauthentication_counts_per_user_not_per_address(client) -> None:
    typist = UserFactory()
    sign_in(client, typist)
    answers = [
        client.post("/accounts/reauthenticate/", {"password": "wrong-password"}) for _ in range(10)
    ]
    assert "Too many failed login attempts" in answers[-1].content.decode()
    # The address's login budget is untouched: a colleague signs in from the same address.
    client.logout()
    sign_in(client, UserFactory())
    # And the typist themself can still sign in afresh.
    client.logout()
    sign_in(client, typist)


def test_failed_reauthentication_codes_count_per_user(client, staff) -> None:
    sign_in(client, staff)
    answers = [client.post("/accounts/2fa/reauthenticate/", {"code": "000000"}) for _ in range(10)]
    assert "Incorrect code" in answers[0].content.decode()
    assert "Too many failed login attempts" in answers[5].content.decode()
    client.logout()
    sign_in(client, UserFactory())


def test_forwarded_for_is_read_only_when_the_operator_trusts_proxies(rf, settings) -> None:
    from imhcpd.adapters import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    assert client_ip(request) == "10.0.0.1"  # a client can write X-Forwarded-For itself
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"  # what our one proxy saw
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "198.51.100.7"


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(150):  # more than the per-address budget, from one attacker address
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    refused = client.post(
        "/accounts/login/",
        {"login": "nobody@example.org", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert "Too many failed login attempts" in refused.content.decode()
    colleague = UserFactory()
    response = client.post(
        "/accounts/login/",
        {"login": colleague.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert int(client.session["_auth_user_id"]) == colleague.pk, response
