"""Every email the site sends: one template folder each, one shared layout, readable text.

The list of emails comes from the folders under templates/email, so a new email cannot skip
these checks, and every template name the code sends must have its folder. allauth's own
emails (confirmation, password reset…) use the same layout and the configured SITE_URL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from imhcpd.mail import render_email, site_context
from imhcpd.models import User
from portfolios.exports.models import Confirmation, PortfolioExport
from portfolios.exports.revalidation.bodies import Deadline
from portfolios.models import Evidence, EvidenceRevision, Portfolio
from portfolios.supervision.models import Comment, Review, Supervision
from portfolios.teams.models import Service, TeamInvitation
from register.models import Application, Endorsement, InfoRequest, Reference, RegisterEntry
from tests.conftest import ROOT
from tests.factories import PASSWORD, UserFactory

EMAIL_DIR = ROOT / "templates" / "email"
LAYOUT_MARKER = 'data-email-layout="imhcpd"'
URL = "https://cpd.example.org/supervision/reviews/7/"
TAG = re.compile(r"</?[A-Za-z!][^>]*>")
ENTITY = re.compile(r"&(#x?[0-9A-Fa-f]+|[A-Za-z]+);")
# `name="supervision/invitation"`, `email="register/lapsed"`, and the conditional
# `email=None if … else "supervision/submitted"`.
SENT_NAME = re.compile(r"""\b(?:name|email)\s*=\s*(?:[^,\n]*?\belse\s+)?["']([\w-]+/[\w-]+)["']""")
SOURCE_DIRS = ("portfolios", "register", "competencies", "imhcpd")


def template_names() -> list[str]:
    return sorted(
        path.parent.relative_to(EMAIL_DIR).as_posix() for path in EMAIL_DIR.rglob("subject.txt")
    )


# --- Sample objects: unsaved, with names that need care (apostrophes, ampersands) -----------


def _people() -> dict[str, User]:
    return {
        "pat": UserFactory.build(email="pat@example.org", full_name="Pat O'Neill"),
        "sam": UserFactory.build(email="sam@example.org", full_name="Sam D'Souza"),
    }


def _samples() -> dict[str, Callable[[], dict[str, Any]]]:
    people = _people()
    pat, sam = people["pat"], people["sam"]
    portfolio = Portfolio(user=pat)
    supervision = Supervision(
        portfolio=portfolio,
        supervisor=sam,
        invitee_name="Sam D'Souza",
        invitee_email=sam.email,
        role=Supervision.Role.MENTOR,
        expires_at=dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC),
    )
    evidence = Evidence(portfolio=portfolio)
    revision = EvidenceRevision(
        evidence=evidence,
        title="Feeds & sleep: a parent's view",
        submitted_at=dt.datetime(2026, 2, 27, 10, 0, tzinfo=dt.UTC),
    )
    review = Review(revision=revision, reviewer=sam, level=2, feedback="Say what you'd do next.")
    comment = Comment(evidence=evidence, author=sam, body="Lovely detail & a clear plan.")
    export = PortfolioExport(
        owner=pat, portfolio=portfolio, kind="portfolio", code="ABCD-2345-EFGH"
    )
    application = Application(applicant=pat, level=2)
    endorsement = Endorsement(
        application=application, supervision=supervision, reason="Let's wait for domain 4."
    )
    reference = Reference(application=application, name="Rae O'Hara", email="rae@example.org")
    confirmation = Confirmation(
        portfolio=portfolio,
        name="Casey Confirmer",
        email="casey@example.org",
        revalidation_date=dt.date(2027, 3, 31),
        confirmed_on=dt.date(2027, 2, 1),
    )
    info = InfoRequest(application=application, questions="Which families do you work with?")
    entry = RegisterEntry(
        user=pat,
        number="IMH-2-00012",
        level=2,
        valid_from=dt.date(2025, 3, 10),
        valid_to=dt.date(2028, 3, 10),
    )
    service = Service(name="Riverside PAIR & family team", kind="pair", region="wales")
    team_invitation = TeamInvitation(
        service=service,
        email=sam.email,
        name="Sam D'Souza",
        as_lead=True,
        expires_at=dt.datetime(2026, 12, 16, 12, 0, tzinfo=dt.UTC),
    )
    to_pat = {"recipient": pat, "url": URL, "essential": False}
    to_sam = {"recipient": sam, "url": URL, "essential": False}
    essential = {"recipient": pat, "url": URL, "essential": True}
    return {
        "supervision/invitation": lambda: {
            "supervision": supervision,
            "practitioner": pat,
            "url": URL,
        },
        "supervision/accepted": lambda: {
            "supervision": supervision,
            "supervisor": sam,
            **to_pat,
        },
        "supervision/declined": lambda: {"supervision": supervision, **to_pat},
        "supervision/ended_items_returned": lambda: {
            "supervision": supervision,
            "returned": [revision, revision],
            **to_pat,
        },
        "supervision/ended": lambda: {
            "supervision": supervision,
            "practitioner": pat,
            **to_sam,
        },
        "supervision/account_closed": lambda: {
            "supervision": supervision,
            "closed_name": "Sam D'Souza",
            "to_practitioner": True,
            **to_pat,
        },
        "supervision/submitted": lambda: {
            "revision": revision,
            "practitioner": pat,
            "supervision": supervision,
            **to_sam,
        },
        "supervision/signed_off": lambda: {
            "revision": revision,
            "reviewer": sam,
            "review": review,
            "level": 2,
            **to_pat,
        },
        "supervision/returned": lambda: {
            "revision": revision,
            "reviewer": sam,
            "review": review,
            **to_pat,
        },
        "supervision/comment": lambda: {
            "comment": comment,
            "title": revision.title,
            "author": sam,
            **to_pat,
        },
        "supervision/digest": lambda: {"waiting": [revision], "recipient": sam, "url": URL},
        "exports/ready": lambda: {"export": export, "retention_days": 30, **essential},
        "register/endorsement_requested": lambda: {
            "application": application,
            "applicant": pat,
            "endorsement": endorsement,
            **to_sam,
        },
        "register/endorsement_decided": lambda: {
            "endorsement": endorsement,
            "endorsed": False,
            "supervisor": sam,
            **to_pat,
        },
        "register/reference_request": lambda: {
            "reference": reference,
            "applicant": pat,
            "application": application,
            "url": URL,
            "days": 30,
        },
        "register/reference_received": lambda: {"reference": reference, **to_pat},
        "register/submitted": lambda: {"application": application, **to_pat},
        "register/approved": lambda: {"application": application, "entry": entry, **essential},
        "register/rejected": lambda: {
            "application": application,
            "reasons": "Domain 4 needs more evidence.",
            **essential,
        },
        "register/info_requested": lambda: {"application": application, "info": info, **essential},
        "register/expiry_reminder": lambda: {"entry": entry, "days_left": 30, **essential},
        "revalidation/confirmation_request": lambda: {
            "confirmation": confirmation,
            "practitioner": pat,
            "url": URL,
            "days": 30,
        },
        "revalidation/confirmation_given": lambda: {"confirmation": confirmation, **essential},
        "revalidation/confirmation_withdrawn": lambda: {
            "confirmation": confirmation,
            "practitioner": pat,
            # Given, to show the template leaves it out.
            "url": URL,
        },
        "revalidation/reminder": lambda: {
            "deadline": Deadline(
                dt.date(2027, 3, 31),
                "NMC revalidation date",
                "nmc",
                "Your NMC revalidation is due on 31 March 2027.",
            ),
            "days_left": 30,
            "missing": ["Practice hours", "Feedback & reflection"],
            "window_opens": dt.date(2027, 1, 30),
            "window_open": True,
            **essential,
        },
        "teams/invitation": lambda: {
            "invitation": team_invitation,
            "service": service,
            "lead": pat,
            "url": URL,
        },
        "register/lapsed": lambda: {"entry": entry, **essential},
        "register/removed": lambda: {
            "entry": entry,
            "reason": "At their own request.",
            **essential,
        },
    }


SAMPLES = _samples()

# What each email must still say: the phrases the old f-string bodies carried and that
# people (and other tests) look for.
KEY_PHRASES = {
    "supervision/invitation": ["to be their mentor", "expires on 3 December 2026"],
    "supervision/digest": [
        "- Pat O'Neill: Feeds & sleep: a parent's view (waiting since 27 February 2026)"
    ],
    "supervision/returned": ["Say what you'd do next."],
    "supervision/comment": ["Lovely detail & a clear plan."],
    "exports/ready": ["ABCD-2345-EFGH", "30 days"],
    "register/approved": ["IMH-2-00012", "10 March 2028"],
    "register/rejected": ["Domain 4 needs more evidence."],
    "register/info_requested": ["Which families do you work with?"],
    "register/expiry_reminder": ["expires on 10 March 2028"],
    "revalidation/confirmation_request": ["Dear Casey Confirmer", "31 March 2027", "30 days"],
    "revalidation/confirmation_given": ["Casey Confirmer has given", "1 February 2027"],
    "revalidation/confirmation_withdrawn": ["Dear Casey Confirmer", "no longer works"],
    "revalidation/reminder": [
        "Your NMC revalidation is due on 31 March 2027.",
        "30 days",
        "- Practice hours",
    ],
    "register/reference_request": ["Dear Rae O'Hara", "30 days"],
    "teams/invitation": [
        "Dear Sam D'Souza",
        "Pat O'Neill has invited you to join Riverside PAIR & family team as a co-lead",
        "never shared",
        "expires on 16 December 2026",
    ],
}


def test_every_email_folder_has_a_sample_and_all_three_parts() -> None:
    names = template_names()
    assert len(names) >= 22, names
    assert sorted(SAMPLES) == names, "add a sample context here for each new email"
    for name in names:
        for part in ("subject.txt", "body.txt", "body.html"):
            assert (EMAIL_DIR / name / part).is_file(), f"{name} has no {part}"


def test_every_email_name_in_the_code_has_a_template_folder() -> None:
    used: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for name in SENT_NAME.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert len(used) >= 20, f"the pattern found too few template names: {sorted(used)}"
    missing = {name: where for name, where in used.items() if name not in template_names()}
    assert not missing, f"no templates/email/<name>/ folder for {missing}"


# The confirmer is told their link no longer works: there is nowhere for them to go.
NOTICE_ONLY = {"revalidation/confirmation_withdrawn"}


@pytest.mark.parametrize("name", template_names())
def test_email_renders_in_the_shared_layout(name: str) -> None:
    context = SAMPLES[name]()
    email = render_email(name, context)

    assert "\n" not in email.subject
    assert email.subject.startswith(f"[{settings.SITE_NAME}] ")
    assert not ENTITY.search(email.subject), email.subject
    assert not email.subject.startswith(f"[{settings.SITE_NAME}] [")  # prefixed once only

    # A notice that asks nothing of its reader has no link to follow; every other email has.
    assert (URL in email.body) != (name in NOTICE_ONLY)
    assert not TAG.search(email.body), email.body
    assert not ENTITY.search(email.body), email.body
    assert "\n\n\n" not in email.body, email.body
    assert settings.SITE_URL in email.body  # the footer names the site

    assert (URL in email.html) != (name in NOTICE_ONLY)
    assert LAYOUT_MARKER in email.html
    assert email.html.lstrip().startswith("<!DOCTYPE html>")
    assert settings.SITE_NAME in email.html

    for phrase in KEY_PHRASES.get(name, []):
        assert phrase in email.body, f"{phrase!r} missing from {name}:\n{email.body}"


@pytest.mark.parametrize("name", template_names())
def test_footer_offers_preferences_only_for_optional_emails(name: str) -> None:
    context = SAMPLES[name]()
    email = render_email(name, context)
    preferences = settings.SITE_URL + reverse("supervision:preferences")

    optional = context.get("recipient") is not None and not context.get("essential")
    assert (preferences in email.body) is optional, email.body
    assert (preferences in email.html) is optional


def test_names_with_apostrophes_arrive_as_written() -> None:
    email = render_email("supervision/accepted", SAMPLES["supervision/accepted"]())
    assert email.subject == (
        f"[{settings.SITE_NAME}] Sam D'Souza accepted your invitation to be your mentor."
    )
    assert "Dear Pat O'Neill," in email.body
    assert "Pat O&#x27;Neill" in email.html  # escaped in HTML, where it belongs


# --- allauth's emails -------------------------------------------------------------------------

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"


def allauth_email_prefixes() -> list[str]:
    return sorted(
        path.relative_to(ALLAUTH_TEMPLATES).as_posix().removesuffix("_subject.txt")
        for folder in ("account/email", "mfa/email")
        for path in (ALLAUTH_TEMPLATES / folder).glob("*_subject.txt")
    )


@pytest.mark.parametrize("prefix", allauth_email_prefixes())
def test_allauth_emails_are_overridden_in_the_shared_layout(prefix: str) -> None:
    context = {
        **site_context(),
        "email": "robin@example.org",
        "user": UserFactory.build(email="robin@example.org", full_name="Robin O'Brien"),
        "activate_url": URL,
        "password_reset_url": URL,
        "signup_url": URL,
        "code": "",
        "from_email": "old@example.org",
        "to_email": "robin@example.org",
        "deleted_email": "old@example.org",
        "ip": "192.0.2.1",
        "user_agent": "Firefox",
        "timestamp": dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
    }
    for part in ("_subject.txt", "_message.txt", "_message.html"):
        origin = Path(get_template(prefix + part).origin.name)
        assert origin.is_relative_to(ROOT / "templates"), f"{prefix}{part} is allauth's own"
    subject = render_to_string(prefix + "_subject.txt", context).strip()
    text = render_to_string(prefix + "_message.txt", context)
    html = render_to_string(prefix + "_message.html", context)

    assert subject and "\n" not in subject
    assert subject == subject[0].upper() + subject[1:].lower(), "subjects are in sentence case"
    for body in (text, html):
        assert "Hello from" not in body
        assert settings.SITE_NAME in body
    assert not TAG.search(text) and not ENTITY.search(text), text
    assert LAYOUT_MARKER in html


def _signup(client, email: str = "robin@example.org"):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/signup/",
        {
            "full_name": "Robin O'Brien",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _html(message: Any) -> str:
    (alternative,) = message.alternatives
    content, mimetype = alternative
    assert mimetype == "text/html"
    return str(content)


@pytest.fixture
def site_url(settings) -> str:  # type: ignore[no-untyped-def]
    # Not the test client's host: links must come from SITE_URL, whatever host was used.
    settings.SITE_URL = "https://cpd.example.org"
    return settings.SITE_URL


@pytest.mark.django_db
def test_signup_confirmation_email_uses_the_site_layout_and_url(client, site_url: str) -> None:
    assert _signup(client).status_code == 302

    (message,) = mail.outbox
    assert message.subject == f"[{settings.SITE_NAME}] Confirm your email address"
    link = re.search(rf"{re.escape(site_url)}(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert link, message.body
    for bad in ("127.0.0.1:8000!", "Hello from", "testserver", "example.com"):
        assert bad not in message.body
    assert not ENTITY.search(message.body), message.body
    html = _html(message)
    assert LAYOUT_MARKER in html
    assert f'href="{site_url}{link.group(1)}"' in html

    assert client.post(link.group(1)).status_code == 302
    assert EmailAddress.objects.get(email="robin@example.org").verified


@pytest.mark.django_db
def test_password_reset_email_links_to_the_site_url(client, site_url: str) -> None:
    user = UserFactory()
    client.post("/accounts/password/reset/", {"email": user.email})

    (message,) = mail.outbox
    assert message.subject == f"[{settings.SITE_NAME}] Reset your password"
    assert f"{site_url}/accounts/password/reset/key/" in message.body
    assert "testserver" not in message.body
    assert LAYOUT_MARKER in _html(message)


@pytest.mark.django_db
def test_unknown_and_existing_account_emails_link_to_the_site_url(client, site_url: str) -> None:
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    existing = UserFactory(email="robin@example.org")
    _signup(client, existing.email)

    unknown, already = mail.outbox
    assert unknown.subject == f"[{settings.SITE_NAME}] No account with this email address"
    assert f"{site_url}/accounts/signup/" in unknown.body
    assert already.subject == f"[{settings.SITE_NAME}] You already have an account"
    assert f"{site_url}/accounts/password/reset/" in already.body
    for message in (unknown, already):
        assert "testserver" not in message.body
        assert LAYOUT_MARKER in _html(message)
