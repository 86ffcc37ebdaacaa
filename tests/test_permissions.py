"""Every URL × every persona → the expected status. Later issues add their rows here.

Every persona signs in through the real login form; the register administrator and staff
also give their TOTP code, as they must (a session without it gets no administration page).

Codes: 200 shown · 302 sent elsewhere (sign in, set up a portfolio, or done) · 403 role
missing · 404 not theirs to see · 405 wrong method. `{evidence}`, `{attachment}` and
`{goal}` are the practitioner's own objects: every other persona must get 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from competencies.catalogue.models import Course
from competencies.formats import Ids
from imhcpd.links import token_digest
from portfolios.exports.revalidation.confirmation import confirmation_request
from portfolios.exports.revalidation.records import discussion_add, practice_hours_add
from portfolios.exports.revalidation.services import settings_update
from portfolios.services import attachment_add, goal_save
from portfolios.supervision.services import evidence_submit, review_sign_off, supervision_end
from portfolios.teams.models import Membership, Service, ServiceKind, TeamInvitation, TeamRole
from register.credentials.services import credential_issue
from register.models import Application, RegisterEntry
from register.services import endorsement_request
from tests.conftest import PERSONAS, shipped_framework_data
from tests.factories import make_evidence, make_export, make_supervision, png_bytes
from tests.imhcpd.signin import sign_in

pytestmark = pytest.mark.django_db

ALL_200 = dict.fromkeys(PERSONAS, 200)
SIGNED_IN_200 = {**ALL_200, "anonymous": 302}
NO_PORTFOLIO = ("supervisor", "ended_supervisor", "register_admin", "staff")
# Pages of one's own portfolio: those without one are sent to set it up.
PORTFOLIO = {
    "anonymous": 302,
    "practitioner": 200,
    "other_practitioner": 200,
    **dict.fromkeys(NO_PORTFOLIO, 302),
}
# One practitioner's object: only its owner sees it.
OWNER_ONLY = {**dict.fromkeys(PERSONAS, 404), "anonymous": 302, "practitioner": 200}
OWNER_ACTS = {**OWNER_ONLY, "practitioner": 302}
# Something submitted to the (active) supervisor: only they see it, not even its owner here.
REVIEWER_ONLY = {**dict.fromkeys(PERSONAS, 404), "anonymous": 302, "supervisor": 200}

# The link of the pending team invitation in `owned`.
TEAM_INVITATION_TOKEN = "team-invitation-token-for-the-matrix"

MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/", {**dict.fromkeys(PERSONAS, 302), "anonymous": 200}),
    ("GET", "/health", ALL_200),
    ("GET", "/health/live", ALL_200),
    ("GET", "/health/ready", ALL_200),
    ("GET", "/accessibility/", ALL_200),
    ("GET", "/privacy/", ALL_200),
    ("GET", "/contact/", ALL_200),
    ("GET", "/framework/", ALL_200),
    ("GET", "/framework/domains/3/", ALL_200),
    ("GET", "/framework/domains/3/level/3/", ALL_200),
    ("GET", "/framework/competencies/6.01/", ALL_200),
    ("GET", "/framework/search/?q=consent", ALL_200),
    # The training catalogue: public; the course in `owned`, an unknown one 404.
    ("GET", "/framework/training/", ALL_200),
    ("GET", "/framework/training/?kind=short&mode=blended", ALL_200),
    ("GET", "/framework/training/{course}/", ALL_200),
    ("GET", "/framework/training/no-such-course/", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/accounts/login/", {**ALL_200, **dict.fromkeys(PERSONAS[1:], 302)}),
    ("GET", "/accounts/signup/", {**ALL_200, **dict.fromkeys(PERSONAS[1:], 302)}),
    ("GET", "/accounts/email/", SIGNED_IN_200),
    ("GET", "/accounts/password/change/", SIGNED_IN_200),
    ("GET", "/accounts/2fa/", SIGNED_IN_200),
    (
        "GET",
        "/register/admin/",
        {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "register_admin": 200},
    ),
    # The Django admin sends anyone who is not staff to its own login page.
    ("GET", "/admin/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
    ("GET", "/admin/competencies/framework/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
    ("GET", "/admin/portfolios/evidence/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
    (
        "GET",
        "/admin/portfolios/evidence/{evidence}/change/",
        {**dict.fromkeys(PERSONAS, 302), "staff": 200},
    ),
    # --- Portfolios ---
    ("GET", "/portfolio/", PORTFOLIO),
    (
        "GET",
        "/portfolio/setup/",
        {
            **dict.fromkeys(PERSONAS, 200),
            "anonymous": 302,
            "practitioner": 302,
            "other_practitioner": 302,
        },
    ),
    ("GET", "/portfolio/profile/", PORTFOLIO),
    ("GET", "/portfolio/matrix/", PORTFOLIO),
    ("GET", "/portfolio/competencies/2.03/", PORTFOLIO),
    ("GET", "/portfolio/assess/4/", PORTFOLIO),
    ("GET", "/portfolio/evidence/", PORTFOLIO),
    ("GET", "/portfolio/evidence/new/", PORTFOLIO),
    ("GET", "/portfolio/evidence/new/cpd_activity/", PORTFOLIO),
    ("GET", "/portfolio/plan/", PORTFOLIO),
    ("GET", "/portfolio/plan/new/", PORTFOLIO),
    ("POST", "/portfolio/plan/from-gap/1.02/", {**dict.fromkeys(PERSONAS, 302)}),
    # Training for one's own gaps; "I completed this" starts a draft (302 to it).
    ("GET", "/portfolio/training/", PORTFOLIO),
    ("POST", "/portfolio/training/{course}/completed/", dict.fromkeys(PERSONAS, 302)),
    (
        "POST",
        "/portfolio/training/no-such-course/completed/",
        {**PORTFOLIO, "practitioner": 404, "other_practitioner": 404},
    ),
    ("GET", "/portfolio/evidence/{evidence}/", OWNER_ONLY),
    ("GET", "/portfolio/evidence/{evidence}/edit/", OWNER_ONLY),
    ("POST", "/portfolio/evidence/{evidence}/delete/", OWNER_ACTS),
    ("POST", "/portfolio/evidence/{evidence}/archive/", OWNER_ACTS),
    ("POST", "/portfolio/evidence/{evidence}/restore/", OWNER_ACTS),
    ("POST", "/portfolio/evidence/{evidence}/attachments/", {**OWNER_ONLY, "practitioner": 400}),
    ("GET", "/portfolio/attachments/{attachment}/", OWNER_ONLY),
    ("POST", "/portfolio/attachments/{attachment}/remove/", OWNER_ACTS),
    ("GET", "/portfolio/plan/{goal}/", OWNER_ONLY),
    ("POST", "/portfolio/plan/{goal}/delete/", OWNER_ACTS),
    # --- Supervision ---
    ("GET", "/supervision/", SIGNED_IN_200),
    ("GET", "/supervision/supervisors/", PORTFOLIO),
    ("POST", "/supervision/supervisors/{supervision}/resend/", OWNER_ACTS),
    ("POST", "/supervision/supervisors/{supervision}/cancel/", OWNER_ACTS),
    ("POST", "/supervision/supervisors/{supervision}/end/", OWNER_ACTS),
    ("GET", "/supervision/invitations/not-a-real-token/", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/supervision/supervisees/{supervision}/", REVIEWER_ONLY),
    ("GET", "/supervision/supervisees/{ended_supervision}/", {**REVIEWER_ONLY, "supervisor": 404}),
    ("GET", "/supervision/reviews/{submitted}/", REVIEWER_ONLY),
    ("GET", "/supervision/reviews/{signed}/", {**REVIEWER_ONLY, "supervisor": 404}),
    # Nothing ticked: the queue again with the error (400), whoever asks.
    ("POST", "/supervision/reviews/bulk/", {**dict.fromkeys(PERSONAS, 400), "anonymous": 302}),
    # A submitted item's attachment: its reviewer only (a draft's or another's: 404).
    ("GET", "/supervision/attachments/{submitted_attachment}/", REVIEWER_ONLY),
    ("GET", "/supervision/attachments/{attachment}/", {**REVIEWER_ONLY, "supervisor": 404}),
    ("GET", "/portfolio/attachments/{submitted_attachment}/", OWNER_ONLY),
    ("GET", "/supervision/evidence/{submitted_evidence}/", REVIEWER_ONLY),
    ("GET", "/supervision/evidence/{signed_evidence}/", {**REVIEWER_ONLY, "supervisor": 404}),
    ("GET", "/supervision/evidence/{evidence}/", {**REVIEWER_ONLY, "supervisor": 404}),
    ("POST", "/supervision/evidence/{evidence}/submit/", OWNER_ACTS),
    (
        "POST",
        "/supervision/evidence/{submitted_evidence}/comments/",
        {**OWNER_ACTS, "supervisor": 302},
    ),
    ("POST", "/supervision/evidence/{signed_evidence}/comments/", OWNER_ACTS),
    ("GET", "/supervision/notifications/", SIGNED_IN_200),
    ("GET", "/supervision/preferences/", SIGNED_IN_200),
    # PDF exports: the owner's alone; verification is public.
    ("GET", "/portfolio/exports/", PORTFOLIO),
    ("GET", "/portfolio/exports/{export}/", OWNER_ONLY),
    ("GET", "/portfolio/exports/{export}/download/", OWNER_ONLY),
    ("POST", "/portfolio/exports/{export}/retry/", {**OWNER_ONLY, "practitioner": 409}),
    # Revalidation: the owner's records and documents; the confirmer's and calendar links are
    # public but answer only to a valid token.
    ("GET", "/portfolio/revalidation/", PORTFOLIO),
    ("GET", "/portfolio/revalidation/settings/", PORTFOLIO),
    ("GET", "/portfolio/revalidation/practice-hours/", PORTFOLIO),
    ("POST", "/portfolio/revalidation/practice-hours/delete/{practice_hours}/", OWNER_ACTS),
    ("GET", "/portfolio/revalidation/discussions/", PORTFOLIO),
    ("POST", "/portfolio/revalidation/discussions/delete/{discussion}/", OWNER_ACTS),
    ("GET", "/portfolio/revalidation/declarations/", PORTFOLIO),
    ("GET", "/portfolio/revalidation/confirmation/", PORTFOLIO),
    ("POST", "/portfolio/revalidation/confirmation/{confirmation}/withdraw/", OWNER_ACTS),
    ("GET", "/revalidation/confirm/not-a-real-token/", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/portfolio/revalidation/documents/", PORTFOLIO),
    # The owner is an NMC nurse with a date; the other practitioner has no date yet.
    (
        "POST",
        "/portfolio/revalidation/nmc/pack/",
        {**PORTFOLIO, "practitioner": 302, "other_practitioner": 409},
    ),
    ("GET", "/portfolio/revalidation/hcpc/", PORTFOLIO),
    (
        "POST",
        "/portfolio/revalidation/hcpc/pdf/",
        {**PORTFOLIO, "practitioner": 409, "other_practitioner": 409},
    ),
    ("GET", "/portfolio/revalidation/swe/", PORTFOLIO),
    (
        "POST",
        "/portfolio/revalidation/swe/pdf/",
        {**PORTFOLIO, "practitioner": 409, "other_practitioner": 409},
    ),
    (
        "GET",
        "/portfolio/revalidation/swe.csv",
        {**PORTFOLIO, "practitioner": 409, "other_practitioner": 409},
    ),
    ("GET", "/portfolio/revalidation/calendar/", PORTFOLIO),
    ("GET", "/revalidation/calendar/1.1.not-a-real-signature.ics", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/verify/", ALL_200),
    ("GET", "/verify/{export_code}/", ALL_200),
    ("GET", "/verify/ABCD-EFGH-JKMN/", dict.fromkeys(PERSONAS, 404)),
    # The register: public search and entries; the applicant's page; endorsement by the
    # active supervisor only; administrators only for the queue and reviews.
    ("GET", "/register/", ALL_200),
    ("GET", "/register/?q=Pat&level=2", ALL_200),
    ("GET", "/register/entries/IMHRR-2026-999999/", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/register/credentials/verify/", ALL_200),
    # Nothing pasted, nothing chosen: the form says so.
    ("POST", "/register/credentials/verify/", dict.fromkeys(PERSONAS, 400)),
    ("GET", "/register/apply/", PORTFOLIO),
    # The application's task pages: the practitioner has a draft; anyone without one is sent
    # back to /register/apply/, and so is the draft's owner from the after-submission page.
    *[
        ("GET", f"/register/apply/{page}/", {**PORTFOLIO, "other_practitioner": 302})
        for page in ("eligibility", "declarations", "endorsement", "references", "check")
    ],
    ("GET", "/register/apply/withdraw/", {**PORTFOLIO, "other_practitioner": 302}),
    (
        "GET",
        "/register/apply/submitted/",
        {**PORTFOLIO, "practitioner": 302, "other_practitioner": 302},
    ),
    (
        "POST",
        "/register/entries/IMHRR-2026-999999/renew/",
        {**dict.fromkeys(PERSONAS, 404), "anonymous": 302},
    ),
    ("GET", "/register/endorsements/{endorsement}/", REVIEWER_ONLY),
    ("GET", "/register/references/not-a-real-token/", dict.fromkeys(PERSONAS, 404)),
    (
        "GET",
        "/register/admin/applications/{application}/",
        {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "register_admin": 404},
    ),
    *[
        (
            method,
            f"/register/admin/applications/{{application}}/{step}/",
            {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "register_admin": 404},
        )
        for method in ("GET", "POST")
        for step in ("approve", "reject")
    ],
    (
        "GET",
        "/register/admin/entries/",
        {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "register_admin": 200},
    ),
    ("GET", "/portfolio/my-data/", SIGNED_IN_200),
    ("GET", "/portfolio/my-data/download.json", SIGNED_IN_200),
    ("GET", "/portfolio/my-data/download.zip", SIGNED_IN_200),
    ("GET", "/portfolio/my-data/portfolio.zip", PORTFOLIO),
    ("GET", "/portfolio/format/v1.schema.json", ALL_200),
    ("GET", "/portfolio/import/", SIGNED_IN_200),
    ("POST", "/portfolio/import/", {**dict.fromkeys(PERSONAS, 400), "anonymous": 302}),
    ("GET", "/portfolio/import/done/", dict.fromkeys(PERSONAS, 302)),
    ("GET", "/portfolio/delete-account/", SIGNED_IN_200),
    # --- Teams: membership. {service} is led by the practitioner, the only lead; everyone
    # else is a stranger to it (another service's lead included: 404).
    ("GET", "/teams/", SIGNED_IN_200),
    ("GET", "/teams/new/", SIGNED_IN_200),
    ("POST", "/teams/new/", {**dict.fromkeys(PERSONAS, 400), "anonymous": 302}),
    ("GET", "/teams/{service}/members/", OWNER_ONLY),
    ("POST", "/teams/{service}/members/invite/", {**OWNER_ONLY, "practitioner": 400}),
    ("POST", "/teams/{service}/invitations/{invitation}/withdraw/", OWNER_ACTS),
    ("POST", "/teams/{service}/invitations/{invitation}/resend/", OWNER_ACTS),
    # The only lead: the page says why they cannot be removed; the POST changes nothing.
    ("GET", "/teams/{service}/members/{membership}/remove/", OWNER_ONLY),
    ("POST", "/teams/{service}/members/{membership}/remove/", OWNER_ACTS),
    ("POST", "/teams/{service}/members/{membership}/lead/", OWNER_ACTS),
    # Signed out: sign in or create an account; the inviter is already in the service and
    # everyone else has another address: the page says why (410).
    (
        "GET",
        "/teams/invitations/{team_token}/",
        {**dict.fromkeys(PERSONAS, 410), "anonymous": 200},
    ),
    ("GET", "/teams/invitations/not-a-real-token/", dict.fromkeys(PERSONAS, 404)),
    ("GET", "/teams/memberships/{membership}/", OWNER_ONLY),
    ("POST", "/teams/memberships/{membership}/", {**OWNER_ONLY, "practitioner": 400}),
    ("GET", "/teams/memberships/{membership}/leave/", OWNER_ONLY),
    ("POST", "/teams/memberships/{membership}/leave/", OWNER_ACTS),
    # --- Teams: the team's picture, its leads only (anyone else, another lead too: 404).
    ("GET", "/teams/{service}/", OWNER_ONLY),
]

# The admin and allauth's own pages. Nobody without the staff flag reaches the admin's login
# form (anonymous → allauth's login; signed in, not staff → 403); MFA pages need a second
# factor to exist (set-up asks for the password again first: 302 to re-authenticate).
HAS_TOTP = ("register_admin", "staff")
NO_TOTP = [p for p in PERSONAS if p not in HAS_TOTP and p != "anonymous"]
MATRIX += [
    ("GET", "/admin/login/", {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "staff": 302}),
    # Signed in as staff, the admin's own password form is never used (405): it would check
    # any staff password with no rate limit.
    ("POST", "/admin/login/", {**dict.fromkeys(PERSONAS, 403), "anonymous": 302, "staff": 405}),
    ("GET", "/admin/imhcpd/user/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
    ("GET", "/accounts/password/reset/", ALL_200),
    ("GET", "/accounts/reauthenticate/", SIGNED_IN_200),
    (
        "GET",
        "/accounts/2fa/reauthenticate/",
        {**dict.fromkeys(PERSONAS, 302), **dict.fromkeys(HAS_TOTP, 200)},
    ),
    (
        "GET",
        "/accounts/2fa/totp/activate/",
        {**dict.fromkeys(PERSONAS, 302)},
    ),
    (
        "GET",
        "/accounts/2fa/totp/deactivate/",
        {**dict.fromkeys(PERSONAS, 302), **dict.fromkeys(NO_TOTP, 404)},
    ),
    # The personas' TOTP was set up without recovery codes: nobody has any to show.
    ("GET", "/accounts/2fa/recovery-codes/", {**dict.fromkeys(PERSONAS, 404), "anonymous": 302}),
    ("GET", "/accounts/2fa/authenticate/", {**dict.fromkeys(PERSONAS, 302)}),
]

# The CASE 1.1 REST service: public, read-only JSON for other systems, not pages, so it is kept
# out of MATRIX (which the accessibility sweep visits expecting HTML) and checked here alike.
_CASE = Ids(shipped_framework_data().name, shipped_framework_data().version)
_CASE_UNKNOWN = "00000000-0000-5000-8000-000000000000"
NONE_404 = dict.fromkeys(PERSONAS, 404)
CASE_MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/ims/case/v1p1/CFDocuments", ALL_200),
    ("POST", "/ims/case/v1p1/CFDocuments", dict.fromkeys(PERSONAS, 405)),
    ("GET", f"/ims/case/v1p1/CFDocuments/{_CASE.document}", ALL_200),
    ("GET", f"/ims/case/v1p1/CFPackages/{_CASE.document}", ALL_200),
    ("POST", f"/ims/case/v1p1/CFPackages/{_CASE.document}", dict.fromkeys(PERSONAS, 405)),
    ("GET", f"/ims/case/v1p1/CFItems/{_CASE.competency('6.01')}", ALL_200),
    ("GET", f"/ims/case/v1p1/CFRubrics/{_CASE.rubric}", ALL_200),
    (
        "GET",
        f"/ims/case/v1p1/CFAssociations/{_CASE.association(_CASE.domain(3))}",
        ALL_200,
    ),
    *[
        ("GET", f"/ims/case/v1p1/{kind}/{_CASE_UNKNOWN}", dict.fromkeys(PERSONAS, 404))
        for kind in ("CFDocuments", "CFPackages", "CFItems", "CFRubrics", "CFAssociations")
    ],
    ("GET", "/ims/case/v1p1/CFPackages/not-a-uuid", dict.fromkeys(PERSONAS, 404)),
]

# Register credentials: the public documents a verifier reads (JSON, JWT, PNG) and the
# holder's own downloads; the verify page itself is HTML and sits in MATRIX.
CREDENTIAL_MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/register/credentials/issuer", ALL_200),
    ("GET", "/register/credentials/jwks.json", ALL_200),
    ("GET", f"/register/credentials/achievements/{_CASE.document}/level-2", ALL_200),
    ("GET", f"/register/credentials/achievements/{_CASE_UNKNOWN}/level-2", NONE_404),
    ("GET", f"/register/credentials/achievements/{_CASE.document}/level-7", NONE_404),
    ("GET", "/register/credentials/status/1", ALL_200),
    ("POST", "/register/credentials/status/1", dict.fromkeys(PERSONAS, 405)),
    ("GET", "/register/credentials/badges/level-2.png", ALL_200),
    *[
        ("GET", f"/register/credentials/{{credential}}/credential.{fmt}", OWNER_ONLY)
        for fmt in ("json", "jwt", "png")
    ],
    (
        "GET",
        f"/register/credentials/{_CASE_UNKNOWN}/credential.json",
        {**NONE_404, "anonymous": 302},
    ),
]

# The team report as files: the CSV download and the PDF made through the export flow
# (POST: it creates an export, then 302 to its progress page). Not pages, so not swept.
TEAM_REPORT_MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/teams/{service}/report.csv", OWNER_ONLY),
    ("POST", "/teams/{service}/report.pdf", OWNER_ACTS),
    ("GET", "/teams/{service}/report.pdf", dict.fromkeys(PERSONAS, 405)),
]

CASES = [
    (method, url, persona, expected[persona])
    for method, url, expected in MATRIX + CASE_MATRIX + CREDENTIAL_MATRIX + TEAM_REPORT_MATRIX
    for persona in PERSONAS
]


@pytest.fixture
def owned(practitioner, supervisor, ended_supervisor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The practitioner's own objects, and what their supervisors were sent."""
    portfolio = practitioner.portfolio
    evidence = make_evidence(portfolio)
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    attachment = attachment_add(evidence=evidence, upload=upload, by=practitioner)
    goal = goal_save(portfolio=portfolio, by=practitioner, title="Learn VIG", competencies=[])
    active = make_supervision(portfolio, supervisor)
    submitted = make_evidence(portfolio, title="Sent for review")
    sent_file = SimpleUploadedFile("sent.png", png_bytes(), content_type="image/png")
    submitted_attachment = attachment_add(evidence=submitted, upload=sent_file, by=practitioner)
    evidence_submit(evidence=submitted, supervision=active, by=practitioner)
    former = make_supervision(portfolio, ended_supervisor)
    signed = make_evidence(portfolio, title="Signed by the former supervisor")
    revision = evidence_submit(evidence=signed, supervision=former, by=practitioner)
    review_sign_off(revision=revision, by=ended_supervisor, declared=True)
    supervision_end(supervision=former, by=practitioner)
    export = make_export(practitioner)
    # A draft straight into the table: starting one through the service needs eligibility.
    application = Application.objects.create(applicant=practitioner, portfolio=portfolio, level=2)
    endorsement = endorsement_request(application=application, supervision=active, by=practitioner)
    portfolio = settings_update(
        portfolio=portfolio,
        by=practitioner,
        professional_body="nmc",
        revalidation_date=dt.date.today() + dt.timedelta(days=200),
        nmc_dual_registration=False,
    )
    confirmation = confirmation_request(
        portfolio=portfolio, by=practitioner, name="Casey Confirmer", email="casey@example.org"
    )
    hours = practice_hours_add(
        portfolio=portfolio,
        by=practitioner,
        data={
            "start": dt.date(2026, 1, 1),
            "end": dt.date(2026, 3, 31),
            "hours": Decimal("300"),
            "role": "Health visitor",
            "scope": "",
        },
    )
    discussion = discussion_add(
        portfolio=portfolio,
        by=practitioner,
        data={
            "date": dt.date(2026, 4, 1),
            "partner_name": "Riley Registrant",
            "partner_registration": "",
            "summary": "We discussed two reflective accounts.",
        },
        accounts=[evidence],
    )
    entry = RegisterEntry.objects.create(
        number="IMHRR-2026-000777",
        user=practitioner,
        name=practitioner.full_name,
        level=2,
        region=portfolio.region,
        region_label=portfolio.get_region_display(),
        valid_from=dt.date.today(),
        valid_to=dt.date.today() + dt.timedelta(days=365),
    )
    credential = credential_issue(entry=entry, reason="approved", by=None)
    # A catalogue course (public; anyone with a portfolio may record completing it).
    course = Course.objects.create(
        code="matrix-course", provider="A provider", title="A course", kind="short", duration=""
    )
    course.outcomes.create(code="2.03", level=2)
    # A PAIR service the practitioner leads, sharing their own summary too, and a pending
    # invitation whose link is TEAM_INVITATION_TOKEN (rows written directly: only the ids
    # matter here; the services are tested in tests/teams/).
    service = Service.objects.create(
        name="Riverside PAIR team", kind=ServiceKind.PAIR, region=portfolio.region
    )
    membership = Membership.objects.create(
        service=service,
        user=practitioner,
        is_lead=True,
        shares_summary=True,
        consented_at=timezone.now(),
        role=TeamRole.CLINICAL_LEAD,
        wte=Decimal("0.8"),
        target_level=3,
    )
    invitation = TeamInvitation.objects.create(
        service=service,
        email="someone@example.org",
        name="Sam Someone",
        role=TeamRole.CLINICIAN,
        token_hash=token_digest(TEAM_INVITATION_TOKEN),
        invited_by=practitioner,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )
    return {
        "service": service.pk,
        "membership": membership.pk,
        "invitation": invitation.pk,
        "team_token": TEAM_INVITATION_TOKEN,
        "course": course.code,
        "credential": credential.jti,
        "export": export.pk,
        "application": application.pk,
        "endorsement": endorsement.pk,
        "export_code": export.code,
        "practice_hours": hours.pk,
        "discussion": discussion.pk,
        "confirmation": confirmation.pk,
        "evidence": evidence.pk,
        "attachment": attachment.pk,
        "submitted_attachment": submitted_attachment.pk,
        "goal": goal.pk,
        "supervision": active.pk,
        "ended_supervision": former.pk,
        "submitted": submitted.current_id,
        "submitted_evidence": submitted.pk,
        "signed": revision.pk,
        "signed_evidence": signed.pk,
    }


def test_matrix_covers_every_persona() -> None:
    assert all(
        set(expected) == set(PERSONAS)
        for _, _, expected in MATRIX + CASE_MATRIX + CREDENTIAL_MATRIX + TEAM_REPORT_MATRIX
    )


@pytest.fixture
def persona_client(request: pytest.FixtureRequest, client):  # type: ignore[no-untyped-def]
    """`persona_client(name)` → a test client signed in as that persona through the login
    form, with the TOTP step for those who have it (never `force_login`)."""

    def make(name: str):  # type: ignore[no-untyped-def]
        if name != "anonymous":
            sign_in(client, request.getfixturevalue(name))
        return client

    return make


@pytest.mark.parametrize(("method", "url", "persona", "expected"), CASES)
def test_permission_matrix(persona_client, owned, method, url, persona, expected) -> None:  # type: ignore[no-untyped-def]
    client = persona_client(persona)
    url = url.format(**owned)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == expected, f"{persona} {method} {url}"
    if expected == 302 and persona == "anonymous":
        assert "login" in response["Location"]
    if response.status_code == 404 and persona != "anonymous":
        # The generic page, or the invitation page that says why a link cannot be used.
        assert b"Page not found" in response.content or b"cannot be used" in response.content


def _route_names(patterns, namespace: str = "") -> set[str]:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_route_of_ours_is_in_the_matrix() -> None:
    """A new page cannot ship without its row in the matrix above."""
    from django.urls import get_resolver, resolve

    sample = dict.fromkeys(
        [
            "evidence",
            "attachment",
            "submitted_attachment",
            "goal",
            "supervision",
            "ended_supervision",
            "submitted",
            "submitted_evidence",
            "signed",
            "signed_evidence",
            "export",
            "application",
            "endorsement",
            "practice_hours",
            "discussion",
            "confirmation",
            "service",
            "membership",
            "invitation",
        ],
        1,
    ) | {
        "team_token": "a-token",
        "export_code": "ABCD-EFGH-JKMN",
        "credential": "00000000-0000-4000-8000-000000000000",
        "course": "a-course",
    }
    covered = {
        resolve(url.format(**sample).split("?")[0]).view_name
        for _, url, _ in MATRIX + CASE_MATRIX + CREDENTIAL_MATRIX + TEAM_REPORT_MATRIX
    }
    third_party = ("admin:", "account_", "mfa_")
    ours = {n for n in _route_names(get_resolver().url_patterns) if not n.startswith(third_party)}
    assert ours - covered == set()
