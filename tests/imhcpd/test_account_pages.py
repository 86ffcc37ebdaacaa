"""The account pages (allauth) in the site's words and layout: sentence case, UK English, error
summaries, emails that greet from the site; sign-up pre-filled from an invitation; signed in
after confirming; each role's home after sign-in; the guided two-factor set-up."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client

from imhcpd.invitations import remember_invitee
from imhcpd.links import token_digest
from imhcpd.models import User
from portfolios.supervision import services as sv
from portfolios.supervision.models import Supervision
from tests.factories import (
    PASSWORD,
    RegisterAdminFactory,
    UserFactory,
    give_totp,
    make_portfolio,
    make_supervision,
)
from tests.imhcpd.signin import force_login_with_mfa, sign_in

pytestmark = pytest.mark.django_db

TOKEN = "an-invitation-token-for-the-tests"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")
HEADING = re.compile(r"<h([1-3])[^>]*>(.*?)</h\1>", re.S)
# Words that keep their capital inside a sentence-case heading.
PROPER = {"IMH", "CPD", "I", "QR"}
# US spellings and allauth's own Title Case that must not reach a page.
NOT_OURS = re.compile(
    r"finaliz|authoriz|organiz|recogniz|Sign In|Sign Up|Sign Out|Email Address|Forgot your"
    r"|Password \(again\)|Remember Me|reauthenticate|Hello from",
)


def headings(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for _, text in HEADING.findall(html)]


def title_case_words(heading: str) -> list[str]:
    """Words after the first that start with a capital and are not names."""
    words = heading.split()[1:]
    return [w for w in words if w[:1].isupper() and w.strip(".,:?!") not in PROPER]


def assert_in_our_words(html: str) -> None:
    main = html[html.index("<main") : html.index("</main>")]
    found = headings(main)
    assert found, "no heading on the page"
    for heading in found:
        assert not title_case_words(heading), f"Title Case heading: {heading!r}"
    text = re.sub(r"<[^>]+>", " ", main)  # the words on the page, not the URLs
    assert not NOT_OURS.search(text), NOT_OURS.search(text)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.endswith(" — IMH CPD") and "<" not in title
    assert not title_case_words(title.removesuffix(" — IMH CPD")), title


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "full_name": "Robin Example",
        "email": "robin@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


# --- Copy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-key/",
        "/accounts/password/reset/key/1-not-a-key/",
    ],
)
def test_signed_out_account_pages_are_in_sentence_case_and_uk_english(client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert_in_our_words(response.content.decode())


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/reauthenticate/",
    ],
)
def test_signed_in_account_pages_are_in_sentence_case_and_uk_english(client, url: str) -> None:
    user = UserFactory()
    if "deactivate" in url or "recovery-codes" in url or "2fa/reauth" in url:
        give_totp(user)
        force_login_with_mfa(client, user)
        # The codes exist once set up through the pages; the factory gives TOTP only.
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        RecoveryCodes.activate(user)
    else:
        sign_in(client, user)
    response = client.get(url, follow=True)
    assert response.status_code == 200, response.redirect_chain
    assert_in_our_words(response.content.decode())


def test_a_failed_form_has_an_error_summary_linked_to_the_field(client) -> None:
    response = client.post("/accounts/signup/", signup_data(email="not-an-email"))
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, page
    assert 'href="#id_email"' in summary.group(0)
    assert "There is a problem" in summary.group(0)
    login = client.post("/accounts/login/", {"login": "robin@example.org", "password": "x"})
    assert "error-summary" in login.content.decode()


def test_empty_fields_say_what_to_do(client) -> None:
    page = client.post("/accounts/signup/", {}).content.decode()
    for message in (
        "Enter your full name",
        "Enter your email address",
        "Create a password",
        "Type your password again to confirm it",
    ):
        assert f">{message}</a>" in page, message  # in the summary, linked to its field
    assert "This field is required" not in page
    login = client.post("/accounts/login/", {}).content.decode()
    assert "Enter your email address" in login and "Enter your password" in login


def test_labels_are_the_ones_people_expect(client) -> None:
    page = client.get("/accounts/signup/").content.decode()
    for label in ("Full name", "Email address", "Create a password", "Confirm password"):
        assert re.search(rf"<label[^>]*>\s*{re.escape(label)}", page), label
    assert 'placeholder="' not in page
    assert re.search(r"<button[^>]*>\s*Create account\s*</button>", page)


def test_account_emails_greet_from_the_site_and_link_to_its_address(client, settings) -> None:
    settings.SITE_URL = "https://cpd.example.org"
    settings.SITE_NAME = "IMH CPD"
    client.post("/accounts/signup/", signup_data())
    UserFactory(email="known@example.org")
    client.post("/accounts/password/reset/", {"email": "known@example.org"})
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        html = message.alternatives[0][0] if message.alternatives else ""
        for text in (message.subject, message.body, html):
            assert "127.0.0.1" not in text and "localhost" not in text and "testserver" not in text
            assert "Hello from" not in text and "example.com" not in text
        assert message.subject.startswith("[IMH CPD] ")
        assert "https://cpd.example.org/" in message.body
        assert "IMH CPD" in message.body


# --- Sign-up from an invitation ----------------------------------------------------------------


def invite(practitioner: User, email: str = "new.supervisor@example.org") -> Supervision:
    supervision = sv.supervision_invite(
        portfolio=practitioner.portfolio,
        name="Nell Newcomer",
        email=email,
        role=Supervision.Role.CLINICAL_SUPERVISOR,
        by=practitioner,
    )
    return supervision


def invitation_link(supervision: Supervision) -> str:
    """Its link (the token is set directly: the email goes out after commit)."""
    Supervision.objects.filter(pk=supervision.pk).update(token_hash=token_digest(TOKEN))
    return f"/supervision/invitations/{TOKEN}/"


def test_sign_up_from_an_invitation_starts_with_the_invited_name_and_email(
    client, practitioner
) -> None:
    link = invitation_link(invite(practitioner))
    page = client.get(link).content.decode()
    assert "Create an account" in page

    form = client.get("/accounts/signup/").content.decode()
    assert re.search(r'name="email"[^>]*value="new.supervisor@example.org"', form), form
    assert re.search(r'name="full_name"[^>]*value="Nell Newcomer"', form)

    # Another browser, without the link, starts empty.
    other = Client().get("/accounts/signup/").content.decode()
    assert "new.supervisor@example.org" not in other and "Nell Newcomer" not in other


def test_the_invitee_can_change_the_prefilled_address_and_it_is_forgotten_after(client, rf) -> None:
    session_client = client
    request = rf.get("/")
    request.session = session_client.session
    remember_invitee(request, "first@example.org", "First Name")
    request.session.save()
    session_client.cookies["sessionid"] = request.session.session_key
    assert "first@example.org" in session_client.get("/accounts/signup/").content.decode()

    response = session_client.post("/accounts/signup/", signup_data(email="own@example.org"))
    assert response.status_code == 302
    assert User.objects.filter(email="own@example.org").exists()
    assert "imhcpd_invitee" not in session_client.session


def test_invited_supervisor_signs_up_confirms_and_lands_back_on_the_invitation(
    client, practitioner
) -> None:
    link = invitation_link(invite(practitioner))
    client.get(link)
    mail.outbox.clear()
    response = client.post(
        f"/accounts/signup/?next={link}",
        signup_data(email="new.supervisor@example.org", full_name="Nell Newcomer"),
    )
    assert response["Location"] == "/accounts/confirm-email/"
    path = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == link
    assert client.get(link).status_code == 200
    assert "Accept" in client.get(link).content.decode()


# --- Signed in after confirming ------------------------------------------------------------------


def test_confirming_in_the_same_browser_signs_the_person_in(client, framework) -> None:
    client.post("/accounts/signup/", signup_data())
    assert "_auth_user_id" not in client.session
    path = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    page = client.get(path)
    assert "Confirm your email address" in page.content.decode()
    response = client.post(path)
    user = User.objects.get(email="robin@example.org")
    assert int(client.session["_auth_user_id"]) == user.pk
    # Home for a new practitioner is the portfolio, which starts with its set-up.
    assert response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/portfolio/setup/"


def test_confirming_in_another_browser_confirms_and_asks_to_sign_in(client, framework) -> None:
    client.post("/accounts/signup/", signup_data())
    path = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    phone = Client()
    response = phone.post(path)
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in phone.session
    login = phone.post("/accounts/login/", {"login": "robin@example.org", "password": PASSWORD})
    assert login["Location"] == "/"
    assert int(phone.session["_auth_user_id"]) == User.objects.get(email="robin@example.org").pk


def test_confirming_with_two_factor_set_up_still_asks_for_the_code(client) -> None:
    """Someone whose address was never confirmed but who has an authenticator: the pending
    sign-in continues to the code step after the confirmation, never past it."""
    user = UserFactory(email="unconfirmed@example.org", verified=False)
    give_totp(user)
    login = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert login["Location"] == "/accounts/confirm-email/"
    path = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    response = client.post(path)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


# --- Each role's home after sign-in ------------------------------------------------------------


def test_a_practitioner_lands_on_their_dashboard(client, practitioner) -> None:
    response = client.post("/accounts/login/", {"login": practitioner.email, "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/portfolio/"


def test_a_supervisor_without_a_portfolio_lands_on_the_review_queue(
    client, practitioner, supervisor
) -> None:
    make_supervision(practitioner.portfolio, supervisor)
    sign_in(client, supervisor)
    assert client.get("/", follow=False)["Location"] == "/supervision/"


def test_a_register_administrator_lands_on_the_administration_queue(client) -> None:
    admin = RegisterAdminFactory()
    give_totp(admin)
    response = sign_in(client, admin)
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/register/admin/"


def test_a_new_account_with_no_role_yet_is_sent_to_set_up_a_portfolio(client, framework) -> None:
    user = UserFactory()
    sign_in(client, user)
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/portfolio/setup/"


def test_next_still_wins_over_the_home(client, practitioner) -> None:
    response = client.post(
        "/accounts/login/?next=/portfolio/plan/",
        {"login": practitioner.email, "password": PASSWORD, "next": "/portfolio/plan/"},
    )
    assert response["Location"] == "/portfolio/plan/"


# --- Two-factor set-up as one guided journey --------------------------------------------------


def current_code(secret: str) -> str:
    if 30 - time.time() % 30 < 1:
        time.sleep(1.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# allauth announces a new authenticator after commit: a real commit is needed (see test_accounts).
@pytest.mark.django_db(transaction=True)
def test_two_factor_set_up_is_three_steps_ending_where_the_person_was_going(client) -> None:
    admin = RegisterAdminFactory()
    client.force_login(admin)
    assert client.get("/register/admin/")["Location"] == "/accounts/2fa/totp/activate/"

    # Step 1: the password again.
    step1 = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert "Step 1 of 3" in step1.content.decode()
    step2 = client.post(
        step1.redirect_chain[-1][0], {"password": PASSWORD}, follow=True
    ).content.decode()

    # Step 2: the key in full, grouped, and the QR code.
    assert "Step 2 of 3" in step2
    secret = re.search(r'data-secret="([A-Z2-7]+)"', step2).group(1)
    assert len(secret) == 32
    grouped = re.search(r'id="authenticator-secret"[^>]*>([^<]+)<', step2).group(1)
    assert grouped == " ".join(secret[i : i + 4] for i in range(0, 32, 4))
    assert 'src="data:image/svg+xml;base64,' in step2

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and "error-summary" in wrong.content.decode()
    done = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert done["Location"] == "/accounts/2fa/recovery-codes/"

    # Step 3: the codes, "I have saved these", Continue.
    step3 = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert "Step 3 of 3" in step3
    codes = Authenticator.objects.get(user=admin, type="recovery_codes").wrap()
    for code in codes.get_unused_codes():
        assert code in step3
    assert "I have saved these recovery codes" in step3

    unticked = client.post("/accounts/2fa/recovery-codes/", {})
    assert unticked.status_code == 400
    assert "Confirm that you have saved your recovery codes" in unticked.content.decode()
    assert "error-summary" in unticked.content.decode()

    finished = client.post("/accounts/2fa/recovery-codes/", {"saved": "on"})
    assert finished["Location"] == "/register/admin/"
    assert client.get("/register/admin/").status_code == 200
    # Shown again later, the codes page is no longer a step of the set-up.
    later = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert "Step 3 of 3" not in later and "I have saved these" not in later
    assert client.post("/accounts/2fa/recovery-codes/", {"saved": "on"})["Location"] == (
        "/accounts/2fa/"
    )


@pytest.mark.django_db(transaction=True)
def test_set_up_started_from_the_two_factor_page_continues_to_the_home(client, framework) -> None:
    user = UserFactory()
    make_portfolio(user, framework)
    sign_in(client, user)
    client.get("/accounts/2fa/")
    step1 = client.get("/accounts/2fa/totp/activate/", follow=True)
    page = client.post(step1.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    page = page.content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert client.post("/accounts/2fa/recovery-codes/", {"saved": "on"})["Location"] == "/"


def test_password_reset_from_the_emailed_link_in_the_sites_words(client) -> None:
    user = UserFactory()
    client.post("/accounts/password/reset/", {"email": user.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    page = client.get(path.group(1), follow=True)
    html = page.content.decode()
    assert "Choose a new password" in html
    assert_in_our_words(html)
    empty = client.post(page.redirect_chain[-1][0], {})
    assert "Enter a new password" in empty.content.decode()
    done = client.post(
        page.redirect_chain[-1][0], {"password1": "a-new-pass-2026", "password2": "a-new-pass-2026"}
    )
    assert done.status_code == 302
    finished = client.get(done["Location"]).content.decode()
    assert "Password changed" in finished
    assert_in_our_words(finished)
    assert User.objects.get(pk=user.pk).check_password("a-new-pass-2026")
