"""The IMH Recognition Register (issue 5) as behaviour: eligibility, application rules, frozen
snapshots, administrators and their races, outcomes, the public register, renewal with its
reminders and lapse, referee-link misuse and the audit trail.

The test_register_flow.py happy path is the model: services for the set-up, views where a
status code or a page is the point. Reference tokens are read from the emails, as a referee
would. Everyone is invented: example.org addresses and obviously fake names.

Submission renders the application PDF eagerly; `_fast_pdf` stands in for WeasyPrint except in
the one test that reads the real PDF back.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from competencies.models import Competency, Framework
from imhcpd.models import User
from portfolios.exports.pdf import Rendered
from portfolios.exports.snapshot import canonical_hash
from portfolios.models import EvidenceKind, ProfessionalBody, Rating, Region
from portfolios.services import (
    EvidenceInput,
    LinkInput,
    RatingInput,
    TransitionError,
    evidence_update,
    portfolio_update,
    self_assessment_record,
)
from portfolios.supervision.models import Supervision
from portfolios.supervision.services import evidence_submit, review_sign_off, supervision_end
from register import selectors, services, tasks
from register.models import (
    AdminNote,
    Application,
    ApplicationEvent,
    ApplicationSnapshot,
    Endorsement,
    EntryEvent,
    Reference,
    RegisterEntry,
    ReminderSent,
    Renewal,
)
from tests.factories import (
    REFLECTION,
    RegisterAdminFactory,
    UserFactory,
    give_totp,
    make_eligible,
    make_evidence,
    make_portfolio,
    make_supervision,
)
from tests.imhcpd.signin import force_login_with_mfa
from tests.register.drafts import draft_application

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Status = Application.Status
ENDORSEMENT = "I have supervised this practitioner for two years and endorse the application."
STATEMENTS = {
    1: "Calm and curious with parents, always keeping the baby in mind.",
    2: "Careful notes, timely referrals and thoughtful use of supervision.",
}
DECISION_STATUSES = (Status.APPROVED, Status.REJECTED, Status.INFO_REQUESTED)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _token(mailoutbox: list[Any], email: str) -> str:
    body = next(m.body for m in reversed(mailoutbox) if m.to == [email])
    match = re.search(r"/register/references/([^/\s]+)/", body)
    assert match, body
    return match.group(1)


def _reference_data(n: int = 1) -> dict[str, str]:
    return {
        "referee_role": "Team leader",
        "relationship": "Colleague in the same team for three years",
        "statement": STATEMENTS[n],
    }


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _subjects(mailoutbox: list[Any], to: str) -> list[str]:
    return [m.subject for m in mailoutbox if m.to == [to]]


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def real_pdf() -> None:
    """Asked for by the one test that renders the application PDF through WeasyPrint."""


@pytest.fixture(autouse=True)
def _fast_pdf(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "real_pdf" in request.fixturenames:
        return

    def fake(html: str, attachments: set[int], on_layout: Callable[..., Any] | None = None):  # type: ignore[no-untyped-def]
        return Rendered(pdf=b"%PDF-1.7 stand-in", pages=1, layout_s=0, write_s=0)

    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """`with commit():` runs on-commit callbacks (emails, the export) at the block's end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def prepare(practitioner: User, supervisor: User, mailoutbox, commit):  # type: ignore[no-untyped-def]
    """`prepare(...)` → a draft Level 2 application, by default with all submission needs."""

    def make(
        *,
        declare: bool = True,
        endorse: bool = True,
        references: int = 2,
        received: int | None = None,
    ) -> Application:
        supervision = make_eligible(practitioner, supervisor)
        with commit():
            app = services.application_start(user=practitioner, level=2)
            if declare:
                services.application_declare(
                    application=app, keys=list(services.DECLARATIONS), by=practitioner
                )
            if endorse:
                endorsement = services.endorsement_request(
                    application=app, supervision=supervision, by=practitioner
                )
                services.endorsement_decide(
                    endorsement=endorsement, by=supervisor, endorse=True, text=ENDORSEMENT
                )
            for n in range(1, references + 1):
                services.reference_request(
                    application=app,
                    name=f"Referee {n}",
                    email=f"referee{n}@example.org",
                    by=practitioner,
                )
        for n in range(1, (references if received is None else received) + 1):
            token = _token(mailoutbox, f"referee{n}@example.org")
            with commit():
                services.reference_submit(
                    reference=services.reference_for_token(token),
                    data=_reference_data(min(n, 2)),
                )
        app.refresh_from_db()
        return app

    return make


@pytest.fixture
def submitted(prepare, practitioner: User, commit) -> Application:  # type: ignore[no-untyped-def]
    app = prepare()
    with commit():
        services.application_submit(application=app, by=practitioner)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    return app


@pytest.fixture
def admin_web(client: Client, register_admin: User) -> Client:
    # Administration pages need a second factor in this session, not only an authenticator.
    force_login_with_mfa(client, register_admin)
    return client


@pytest.fixture
def second_admin(db: None) -> User:
    user = RegisterAdminFactory(email="secondadmin@example.org", full_name="Bea Backup")
    give_totp(user)
    return user


def _review_url(app: Application) -> str:
    return reverse("register:admin_application", args=[app.pk])


def _approve_url(app: Application) -> str:
    return reverse("register:admin_approve", args=[app.pk])


def _reject_url(app: Application) -> str:
    return reverse("register:admin_reject", args=[app.pk])


def _entry(
    name: str,
    *,
    level: int = 2,
    region: str = Region.NORTH_WEST,
    status: str = RegisterEntry.Status.CURRENT,
    valid_to: dt.date | None = None,
    user: User | None = None,
) -> RegisterEntry:
    """A register entry straight into the tables, for the search and renewal tests."""
    if user is None:
        user = UserFactory(full_name=name)
        make_portfolio(user, Framework.objects.get(is_active=True), region=region)
    app = Application.objects.create(
        applicant=user, portfolio=user.portfolio, level=level, status=Status.APPROVED
    )
    valid_to = valid_to or timezone.localdate() + dt.timedelta(days=200)
    portfolio = user.portfolio
    return RegisterEntry.objects.create(
        number=f"IMHRR-2026-{app.pk:06d}",
        user=user,
        application=app,
        name=name,
        level=level,
        region=portfolio.region,
        region_label=portfolio.get_region_display(),
        valid_from=valid_to - dt.timedelta(days=365),
        valid_to=valid_to,
        status=status,
    )


# --- 1. Eligibility ------------------------------------------------------------------------


def _build(
    practitioner: User,
    supervisor: User,
    level: int = 2,
    *,
    working_towards: tuple[str, ...] = (),
    unsigned: tuple[str, ...] = (),
    unticked: tuple[str, ...] = (),
) -> Supervision:
    """Like make_eligible, with holes: competencies rated working towards (and not evidenced),
    evidenced but still waiting for review, or unticked by the supervisor at sign-off."""
    portfolio = practitioner.portfolio
    competencies = list(
        Competency.objects.filter(framework_id=portfolio.framework_id)
        .select_related("domain")
        .order_by("order")
    )
    self_assessment_record(
        portfolio=portfolio,
        ratings=[
            RatingInput(
                competency=c,
                rating=Rating.WORKING_TOWARDS if c.code in working_towards else Rating.ACHIEVED,
            )
            for c in competencies
        ],
        level=level,
    )
    supervision = make_supervision(portfolio, supervisor)
    domains: dict[int, list[str]] = {}
    for c in competencies:
        if c.code not in working_towards:
            domains.setdefault(c.domain.number, []).append(c.code)
    for number, codes in domains.items():
        signed = tuple(c for c in codes if c not in unsigned)
        if signed:
            evidence = make_evidence(portfolio, codes=signed, title=f"Practice in domain {number}")
            revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
            accepted = [
                link.pk for link in revision.links.all() if link.competency.code not in unticked
            ]
            review_sign_off(
                revision=revision, by=supervisor, accepted_link_ids=accepted, declared=True
            )
        waiting = tuple(c for c in codes if c in unsigned)
        if waiting:
            evidence = make_evidence(portfolio, codes=waiting, title=f"Waiting in domain {number}")
            evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    return supervision


def _all_codes() -> list[str]:
    return list(Competency.objects.filter(framework__is_active=True).values_list("code", flat=True))


def _case_all_met(p: User, s: User) -> None:
    _build(p, s)


def _case_not_rated_achieved(p: User, s: User) -> None:
    _build(p, s, working_towards=("3.04",))


def _case_evidenced_not_signed_off(p: User, s: User) -> None:
    _build(p, s, unsigned=("3.04",))


def _case_signed_off_lower_level(p: User, s: User) -> None:
    # Sign-offs take the practitioner's target level at the time: Level 1 here.
    portfolio_update(portfolio=p.portfolio, by=p, data={"target_level": 1})
    p.portfolio.refresh_from_db()
    _build(p, s, level=2)


def _case_signed_off_higher_level(p: User, s: User) -> None:
    _build(p, s, level=1)  # rated at Level 1, signed off at the target Level 2


def _case_link_unticked(p: User, s: User) -> None:
    _build(p, s, unticked=("3.04",))


def _case_supervision_ended(p: User, s: User) -> None:
    supervision = _build(p, s)
    supervision_end(supervision=supervision, by=p)


def _case_registration_missing(p: User, s: User) -> None:
    _build(p, s)
    portfolio_update(portfolio=p.portfolio, by=p, data={"registration_number": ""})


def _case_no_body_no_number(p: User, s: User) -> None:
    _build(p, s)
    portfolio_update(
        portfolio=p.portfolio,
        by=p,
        data={"professional_body": ProfessionalBody.NONE, "registration_number": ""},
    )


ACHIEVED, SIGNED, SUPERVISOR, PROFILE = range(4)
ALL = "every competency"


@pytest.mark.parametrize(
    ("build", "level", "unmet"),
    [
        pytest.param(_case_all_met, 2, {}, id="all-met"),
        pytest.param(
            _case_not_rated_achieved,
            2,
            {ACHIEVED: ["3.04"], SIGNED: ["3.04"]},
            id="one-competency-working-towards",
        ),
        pytest.param(
            _case_evidenced_not_signed_off, 2, {SIGNED: ["3.04"]}, id="evidenced-not-signed-off"
        ),
        pytest.param(
            _case_signed_off_lower_level, 2, {SIGNED: ALL}, id="signed-off-at-a-lower-level"
        ),
        pytest.param(_case_signed_off_higher_level, 1, {}, id="signed-off-at-a-higher-level"),
        pytest.param(_case_link_unticked, 2, {SIGNED: ["3.04"]}, id="link-unticked-at-sign-off"),
        pytest.param(_case_supervision_ended, 2, {SUPERVISOR: []}, id="no-active-supervisor"),
        pytest.param(
            _case_registration_missing,
            2,
            {PROFILE: ["your registration number"]},
            id="registration-number-missing",
        ),
        pytest.param(_case_no_body_no_number, 2, {}, id="no-body-needs-no-number"),
    ],
)
def test_eligibility(  # type: ignore[no-untyped-def]
    build, level: int, unmet: dict[int, Any], practitioner: User, supervisor: User
) -> None:
    build(practitioner, supervisor)
    practitioner.portfolio.refresh_from_db()
    checks = selectors.eligibility(practitioner.portfolio, level)
    assert len(checks) == 4
    assert {i for i, c in enumerate(checks) if not c.met} == set(unmet)
    for i, missing in unmet.items():
        expected = _all_codes() if missing == ALL else missing
        assert checks[i].missing == expected, checks[i].label
        assert checks[i].fix_url
    assert selectors.is_eligible(practitioner.portfolio, level) is (not unmet)


def test_eligibility_rating_withdrawn_after_sign_off(practitioner: User, supervisor: User) -> None:
    _build(practitioner, supervisor)
    competency = Competency.objects.get(
        framework_id=practitioner.portfolio.framework_id, code="3.04"
    )
    self_assessment_record(
        portfolio=practitioner.portfolio,
        ratings=[RatingInput(competency=competency, rating=Rating.WORKING_TOWARDS)],
        level=2,
    )
    checks = selectors.eligibility(practitioner.portfolio, 2)
    assert not checks[ACHIEVED].met
    assert checks[ACHIEVED].missing == ["3.04"]


def test_apply_page_shows_each_unmet_item_with_its_fix_link(
    client: Client, practitioner: User, supervisor: User
) -> None:
    supervision = _build(practitioner, supervisor, working_towards=("2.01",), unsigned=("3.04",))
    supervision_end(supervision=supervision, by=practitioner)
    portfolio_update(
        portfolio=practitioner.portfolio, by=practitioner, data={"registration_number": ""}
    )
    client.force_login(practitioner)
    page = client.get("/register/apply/")
    assert page.status_code == 200
    html = page.content.decode()
    section = html.split('id="level-2"')[1].split("</section>")[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.S)
    assert len(items) == 4
    expected = [
        ("self-assessed as achieved", reverse("portfolios:assess_domain", args=[2]), ["2.01"]),
        ("signed off at Level 2", reverse("portfolios:competency", args=["2.01"]), ["3.04"]),
        ("An active supervisor", reverse("supervision:supervisors"), []),
        ("A complete profile", reverse("portfolios:profile"), ["your registration number"]),
    ]
    for item, (label, url, missing) in zip(items, expected, strict=True):
        assert "Not met yet" in item, item
        assert label in item
        assert f'href="{url}"' in item
        for text in missing:
            assert text in item


def test_apply_page_marks_met_items_without_fix_links(
    client: Client, practitioner: User, supervisor: User
) -> None:
    make_eligible(practitioner, supervisor)
    client.force_login(practitioner)
    html = client.get("/register/apply/").content.decode()
    section = html.split('id="level-2"')[1].split("</section>")[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.S)
    assert len(items) == 4
    assert all(">Met<" in i and "Not met" not in i and "href" not in i for i in items)
    assert "Start an application at Level 2" in section


# --- 2. Application rules ------------------------------------------------------------------


def test_one_open_application_at_a_time(client: Client, practitioner: User) -> None:
    app = draft_application(practitioner, 2)
    with pytest.raises(TransitionError, match="already have an application"):
        services.application_start(user=practitioner, level=1)
    client.force_login(practitioner)
    response = client.post("/register/apply/", {"action": "start", "level": "1"})
    assert response.status_code == 409
    assert "already have an application" in response.content.decode()
    assert Application.objects.filter(applicant=practitioner).count() == 1
    services.application_withdraw(application=app, by=practitioner)
    # With nothing open, the next refusal is eligibility (the practitioner is not eligible).
    again = client.post("/register/apply/", {"action": "start", "level": "1"})
    assert again.status_code == 403
    assert "You cannot apply at Level 1 yet." in again.content.decode()
    assert not Application.objects.filter(applicant=practitioner, status=Status.DRAFT).exists()


@pytest.mark.parametrize("level", ["0", "4", ""])
def test_start_needs_level_1_2_or_3(client: Client, practitioner: User, level: str) -> None:
    client.force_login(practitioner)
    response = client.post("/register/apply/", {"action": "start", "level": level})
    assert response.status_code == 409
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"action": "start", "level": "two"}, id="level"),
        pytest.param({"action": "endorsement", "supervision": "abc"}, id="supervision"),
        pytest.param({"action": "withdraw_reference", "reference": "abc"}, id="reference"),
    ],
)
def test_non_numeric_ids_on_the_apply_page_are_refused_not_a_server_error(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, prepare, data: dict[str, str]
) -> None:
    if data["action"] != "start":
        prepare(references=1, received=0)
    client.force_login(practitioner)
    response = client.post("/register/apply/", data)
    assert response.status_code in (400, 404, 409)


def test_declarations_are_all_required(prepare, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    app = prepare(declare=False)
    with pytest.raises(TransitionError, match="Agree to every declaration"):
        services.application_submit(application=app, by=practitioner)
    keys = [*list(services.DECLARATIONS)[:-1], "something_else"]
    services.application_declare(application=app, keys=keys, by=practitioner)
    app.refresh_from_db()
    assert set(app.declarations) == set(list(services.DECLARATIONS)[:-1])
    with pytest.raises(TransitionError, match="Agree to every declaration"):
        services.application_submit(application=app, by=practitioner)
    services.application_declare(application=app, keys=list(services.DECLARATIONS), by=practitioner)
    services.application_submit(application=app, by=practitioner)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_endorsement_only_from_an_active_supervisor_of_this_practitioner(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, other_practitioner: User, supervisor: User, prepare
) -> None:
    app = prepare(endorse=False)
    stranger = UserFactory(email="stranger-supervisor@example.org", full_name="Sol Stranger")
    theirs = make_supervision(other_practitioner.portfolio, stranger)
    with pytest.raises(TransitionError, match="active supervisors"):
        services.endorsement_request(application=app, supervision=theirs, by=practitioner)
    client.force_login(practitioner)
    response = client.post(
        "/register/apply/", {"action": "endorsement", "supervision": str(theirs.pk)}
    )
    assert response.status_code == 404
    # An ended supervision of the practitioner's own does not do either.
    former = UserFactory(email="former@example.org", full_name="Flo Former")
    ended = make_supervision(practitioner.portfolio, former)
    supervision_end(supervision=ended, by=practitioner)
    with pytest.raises(TransitionError, match="active supervisors"):
        services.endorsement_request(application=app, supervision=ended, by=practitioner)
    response = client.post(
        "/register/apply/", {"action": "endorsement", "supervision": str(ended.pk)}
    )
    assert response.status_code == 404
    assert not app.endorsements.exists()
    # Someone else's supervisor cannot open or answer this practitioner's endorsement.
    mine = Supervision.objects.get(portfolio=practitioner.portfolio, status="active")
    endorsement = services.endorsement_request(application=app, supervision=mine, by=practitioner)
    with pytest.raises(TransitionError, match="not yours"):
        services.endorsement_decide(endorsement=endorsement, by=stranger, endorse=True, text="Yes")
    client.force_login(stranger)
    url = reverse("register:endorsement", args=[endorsement.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "endorse", "text": "Yes"}).status_code == 404
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.REQUESTED


def test_endorsement_from_a_supervision_ended_since_does_not_count(  # type: ignore[no-untyped-def]
    prepare, practitioner: User, supervisor: User
) -> None:
    app = prepare()
    # Another supervisor stays active, so only the endorsement is in question.
    make_supervision(
        practitioner.portfolio, UserFactory(email="second@example.org", full_name="Max Second")
    )
    endorser = Supervision.objects.get(portfolio=practitioner.portfolio, supervisor=supervisor)
    supervision_end(supervision=endorser, by=practitioner)
    assert selectors.is_eligible(practitioner.portfolio, 2)
    assert services.submission_problems(app) == [
        "An endorsement from an active supervisor is needed."
    ]


def test_endorsement_needs_text_and_is_decided_once(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, supervisor: User, prepare
) -> None:
    app = prepare(endorse=False)
    supervision = Supervision.objects.get(portfolio=practitioner.portfolio, status="active")
    endorsement = services.endorsement_request(
        application=app, supervision=supervision, by=practitioner
    )
    with pytest.raises(TransitionError, match="reason for declining"):
        services.endorsement_decide(endorsement=endorsement, by=supervisor, endorse=False, text=" ")
    with pytest.raises(TransitionError, match="Write your endorsement"):
        services.endorsement_decide(endorsement=endorsement, by=supervisor, endorse=True, text="")
    client.force_login(supervisor)
    url = reverse("register:endorsement", args=[endorsement.pk])
    assert client.post(url, {"decision": "decline", "text": ""}).status_code == 400
    assert client.post(url, {"decision": "maybe", "text": "Hmm"}).status_code == 400
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.REQUESTED
    assert client.post(url, {"decision": "endorse", "text": ENDORSEMENT}).status_code == 302
    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.statement) == ("endorsed", ENDORSEMENT)
    # A second answer, by service or page, changes nothing.
    with pytest.raises(TransitionError, match="already been answered"):
        services.endorsement_decide(
            endorsement=endorsement, by=supervisor, endorse=False, text="Changed my mind."
        )
    again = client.post(url, {"decision": "decline", "text": "Changed my mind."})
    assert again.status_code == 409
    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.reason) == ("endorsed", "")


def test_declined_endorsement_keeps_its_reason_and_does_not_count(  # type: ignore[no-untyped-def]
    practitioner: User, supervisor: User, prepare
) -> None:
    app = prepare(endorse=False)
    supervision = Supervision.objects.get(portfolio=practitioner.portfolio, status="active")
    endorsement = services.endorsement_request(
        application=app, supervision=supervision, by=practitioner
    )
    services.endorsement_decide(
        endorsement=endorsement, by=supervisor, endorse=False, text="Not yet: more Level 2 work."
    )
    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.reason) == ("declined", "Not yet: more Level 2 work.")
    assert "An endorsement from an active supervisor is needed." in services.submission_problems(
        app
    )


def test_two_received_references_are_needed(  # type: ignore[no-untyped-def]
    practitioner: User, prepare, mailoutbox, commit
) -> None:
    app = prepare(references=3, received=1)
    assert services.submission_problems(app) == ["Two references are needed."]
    with pytest.raises(TransitionError, match="Two references"):
        services.application_submit(application=app, by=practitioner)

    def answer(email: str) -> None:
        with commit():
            services.reference_submit(
                reference=services.reference_for_token(_token(mailoutbox, email)),
                data=_reference_data(2),
            )

    answer("referee2@example.org")
    assert services.submission_problems(app) == []
    # A withdrawn reference no longer counts, even one already given.
    services.reference_withdraw(
        reference=app.references.get(email="referee2@example.org"), by=practitioner
    )
    assert services.submission_problems(app) == ["Two references are needed."]
    answer("referee3@example.org")
    assert services.submission_problems(app) == []


def test_referee_cannot_be_the_applicant(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, prepare
) -> None:
    app = prepare(references=0)
    with pytest.raises(TransitionError, match="other than you"):
        services.reference_request(
            application=app, name="Me", email=" PRACTITIONER@example.org ", by=practitioner
        )
    client.force_login(practitioner)
    response = client.post(
        "/register/apply/",
        {"action": "reference", "name": "Me again", "email": "Practitioner@Example.org"},
    )
    assert response.status_code == 400
    assert "someone other than you" in response.content.decode()
    assert not app.references.exists()


def test_duplicate_referee_email_is_refused(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, prepare, mailoutbox, commit
) -> None:
    app = prepare(references=1, received=0)
    with pytest.raises(TransitionError, match="already asked"):
        services.reference_request(
            application=app, name="Referee One", email="REFEREE1@example.org", by=practitioner
        )
    client.force_login(practitioner)
    response = client.post(
        "/register/apply/",
        {"action": "reference", "name": "Referee One", "email": "Referee1@Example.org"},
    )
    assert response.status_code == 400
    assert "already asked this person" in response.content.decode()
    assert app.references.count() == 1
    # After withdrawing the first request the person can be asked again.
    services.reference_withdraw(reference=app.references.get(), by=practitioner)
    with commit():
        services.reference_request(
            application=app, name="Referee One", email="referee1@example.org", by=practitioner
        )
    assert app.references.exclude(status=Reference.Status.WITHDRAWN).count() == 1


def test_referee_form_on_apply_page_needs_name_and_valid_email(  # type: ignore[no-untyped-def]
    client: Client, practitioner: User, prepare
) -> None:
    app = prepare(references=0)
    client.force_login(practitioner)
    for data in ({"name": "", "email": "r@example.org"}, {"name": "R", "email": "not-an-email"}):
        response = client.post("/register/apply/", {"action": "reference", **data})
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    assert not app.references.exists()


def test_submission_blocked_with_the_list_of_problems(client: Client, practitioner: User) -> None:
    app = draft_application(practitioner, 2)
    client.force_login(practitioner)
    response = client.post("/register/apply/", {"action": "submit"})
    assert response.status_code == 409
    html = response.content.decode()
    for problem in (
        "You are not yet eligible at Level 2: 63 competencies not yet self-assessed",
        "Agree to every declaration.",
        "An endorsement from an active supervisor is needed.",
        "Two references are needed.",
    ):
        assert problem in html
    app.refresh_from_db()
    assert app.status == Status.DRAFT
    assert not app.snapshots.exists()
    assert not app.events.exists()


def test_only_the_applicant_submits(prepare, supervisor: User) -> None:  # type: ignore[no-untyped-def]
    app = prepare()
    with pytest.raises(TransitionError, match="Only the applicant"):
        services.application_submit(application=app, by=supervisor)
    assert not app.snapshots.exists()


def test_double_submit_makes_one_snapshot(submitted: Application, practitioner: User) -> None:
    with pytest.raises(TransitionError, match="nothing was changed"):
        services.application_submit(application=submitted, by=practitioner)
    assert submitted.snapshots.count() == 1
    assert submitted.events.filter(to_status=Status.SUBMITTED).count() == 1


# --- 3. Snapshot immutability ------------------------------------------------------------------


def test_snapshot_is_frozen_at_submission(  # type: ignore[no-untyped-def]
    submitted: Application, practitioner: User, admin_web: Client
) -> None:
    snapshot = submitted.snapshots.get()
    before = _canonical(snapshot.data)
    assert snapshot.content_hash == canonical_hash(snapshot.data)
    portfolio = practitioner.portfolio
    # Edit a signed-off item (a new revision), re-rate, change the profile, add evidence.
    item = portfolio.evidence.get(current__title="Practice in domain 1")
    revision = evidence_update(
        evidence=item,
        data=EvidenceInput(
            title="Rewritten after submission",
            date=dt.date(2026, 2, 1),
            details={
                "what_happened": "An entirely new account written later.",
                "so_what": "Something else.",
                "now_what": "Something more.",
            },
            links=[LinkInput(competency=item.current.links.first().competency, rationale="Later.")],
        ),
        by=practitioner,
    )
    assert revision.number == 2
    self_assessment_record(
        portfolio=portfolio,
        ratings=[
            RatingInput(
                competency=Competency.objects.get(framework_id=portfolio.framework_id, code="1.01"),
                rating=Rating.WORKING_TOWARDS,
            )
        ],
        level=2,
    )
    portfolio_update(
        portfolio=portfolio,
        by=practitioner,
        data={"registration_number": "99Z9999Z", "region": Region.SCOTLAND},
    )
    make_evidence(portfolio, title="Added after submission")

    snapshot.refresh_from_db()
    assert _canonical(snapshot.data) == before
    assert snapshot.content_hash == canonical_hash(snapshot.data)
    assert ApplicationSnapshot.objects.filter(application=submitted).count() == 1
    html = admin_web.get(_review_url(submitted)).content.decode()
    assert "Practice in domain 1" in html
    assert REFLECTION["what_happened"] in html
    assert "12A3456E" in html
    for later in ("Rewritten after submission", "entirely new account", "99Z9999Z", "Added after"):
        assert later not in html


def test_request_info_answer_makes_version_2_and_version_1_stays(  # type: ignore[no-untyped-def]
    submitted: Application, practitioner: User, register_admin: User, admin_web: Client, commit
) -> None:
    services.application_assign(application=submitted, admin=register_admin)
    services.application_request_info(
        application=submitted, admin=register_admin, questions="Which setting do you work in?"
    )
    v1 = submitted.snapshots.get()
    v1_before = _canonical(v1.data)
    make_evidence(practitioner.portfolio, title="Added while answering")
    with commit():
        v2 = services.info_answer(
            application=submitted, by=practitioner, answer="A family hub in the north west."
        )
    assert (v1.version, v2.version) == (1, 2)
    v1.refresh_from_db()
    assert _canonical(v1.data) == v1_before
    assert v1.data["application"]["answers"] == []
    assert v2.data["application"]["answers"][0]["answer"] == "A family hub in the north west."
    assert "Added while answering" in [e["title"] for e in v2.data["evidence"]]
    assert "Added while answering" not in [e["title"] for e in v1.data["evidence"]]
    assert v1.export_id != v2.export_id

    latest = admin_web.get(_review_url(submitted)).content.decode()
    assert "Snapshot version 2" in latest
    assert "A family hub in the north west." in latest
    assert "Added while answering" in latest
    old = admin_web.get(_review_url(submitted), {"version": "1"})
    assert old.status_code == 200
    html = old.content.decode()
    assert "Snapshot version 1" in html
    assert "Added while answering" not in html
    assert "A family hub in the north west." not in html
    assert 'href="?version=1"' in html
    assert 'href="?version=2"' in html


def test_application_pdf_contains_endorsement_and_references(  # type: ignore[no-untyped-def]
    real_pdf: None, prepare, practitioner: User, commit
) -> None:
    app = prepare()
    with commit():
        snapshot = services.application_submit(application=app, by=practitioner)
    export = snapshot.export
    export.refresh_from_db()
    assert export.status == "done", export.error
    reader = PdfReader(io.BytesIO(export.file.read()))
    # Read only the chapter, found by its bookmark: extracting all the pages takes seconds.
    chapters = {
        mark.title: reader.get_destination_page_number(mark)
        for mark in reader.outline
        if not isinstance(mark, list)
    }
    first, after = chapters["Register application"], chapters["CPD log"]
    pages = reader.pages[first : after + 1]
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pages)
    assert "Register application" in text
    assert "Endorsed by Sam Supervisor" in text
    assert ENDORSEMENT in text
    for n in (1, 2):
        assert f"Referee {n}" in text
        assert STATEMENTS[n] in text


# --- 4. Administrator permissions ----------------------------------------------------------


@pytest.mark.parametrize("persona", ["practitioner", "supervisor", "staff"])
def test_non_admins_are_refused(  # type: ignore[no-untyped-def]
    persona: str, persona_client, submitted: Application
) -> None:
    web = persona_client(persona)
    for url in (
        "/register/admin/",
        "/register/admin/entries/",
        _review_url(submitted),
        _approve_url(submitted),
        _reject_url(submitted),
    ):
        assert web.get(url).status_code == 403, url
    assert web.post(_approve_url(submitted), {"version": "1"}).status_code == 403
    assert web.post(_reject_url(submitted), {"reasons": "No."}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not RegisterEntry.objects.exists()


def test_anonymous_is_sent_to_sign_in(client: Client, submitted: Application) -> None:
    for url in ("/register/admin/", "/register/admin/entries/", _review_url(submitted)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert "next=" in response.url


def test_admin_without_mfa_is_sent_to_set_it_up(
    client: Client, register_admin_without_mfa: User, submitted: Application
) -> None:
    client.force_login(register_admin_without_mfa)
    for url in ("/register/admin/", "/register/admin/entries/", _review_url(submitted)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")
    response = client.post(_review_url(submitted), {"action": "approve"})
    assert response.url == reverse("mfa_activate_totp")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_drafts_are_not_visible_to_admins(prepare, admin_web: Client) -> None:  # type: ignore[no-untyped-def]
    app = prepare()
    assert admin_web.get(_review_url(app)).status_code == 404
    assert admin_web.post(_review_url(app), {"action": "approve"}).status_code == 404
    assert admin_web.get(_approve_url(app)).status_code == 404
    assert admin_web.post(_approve_url(app), {"version": "1"}).status_code == 404
    assert admin_web.post(_reject_url(app), {"reasons": "No."}).status_code == 404
    listing = admin_web.get("/register/admin/", {"status": "all"})
    assert listing.status_code == 200
    assert 'data-testid="application-row"' not in listing.content.decode()
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_admin_queue_lists_submitted_and_notes_stay_private(  # type: ignore[no-untyped-def]
    submitted: Application, admin_web: Client, practitioner: User, register_admin: User
) -> None:
    listing = admin_web.get("/register/admin/").content.decode()
    assert listing.count('data-testid="application-row"') == 1
    assert _review_url(submitted) in listing
    response = admin_web.post(
        _review_url(submitted), {"action": "note", "body": "Check the domain 5 sign-offs."}
    )
    assert response.status_code == 302
    assert AdminNote.objects.get().author == register_admin
    assert (
        admin_web.post(_review_url(submitted), {"action": "note", "body": " "}).status_code == 400
    )
    applicant = Client()
    applicant.force_login(practitioner)
    assert "domain 5 sign-offs" not in applicant.get("/register/apply/").content.decode()


# --- 5. Racing decisions -------------------------------------------------------------------


def _decide(action: str, app: Application, admin: User) -> None:
    if action == "approve":
        services.application_approve(application=app, admin=admin)
    elif action == "reject":
        services.application_reject(application=app, admin=admin, reasons="Not enough evidence.")
    else:
        services.application_request_info(application=app, admin=admin, questions="Which team?")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "reject"),
        ("reject", "approve"),
        ("approve", "approve"),
        ("request_info", "approve"),
        ("approve", "request_info"),
    ],
)
def test_two_admins_deciding_at_once_get_one_outcome(  # type: ignore[no-untyped-def]
    first: str,
    second: str,
    submitted: Application,
    register_admin: User,
    second_admin: User,
    practitioner: User,
    mailoutbox,
    commit,
) -> None:
    services.application_assign(application=submitted, admin=register_admin)
    # Both loaded the application while it was under review.
    mine = Application.objects.get(pk=submitted.pk)
    theirs = Application.objects.get(pk=submitted.pk)
    mailoutbox.clear()
    with commit():
        _decide(first, mine, register_admin)
    with commit(), pytest.raises(TransitionError, match="nothing was changed"):
        _decide(second, theirs, second_admin)
    submitted.refresh_from_db()
    winner = {"approve": Status.APPROVED, "reject": Status.REJECTED}.get(first)
    assert submitted.status == (winner or Status.INFO_REQUESTED)
    assert RegisterEntry.objects.count() == (1 if first == "approve" else 0)
    decisions = submitted.events.filter(to_status__in=DECISION_STATUSES)
    assert list(decisions.values_list("actor", flat=True)) == [register_admin.pk]
    assert submitted.info_requests.count() == (1 if first == "request_info" else 0)
    assert submitted.decision_reasons == ("Not enough evidence." if first == "reject" else "")
    assert len(_subjects(mailoutbox, practitioner.email)) == 1


def test_racing_decisions_on_the_review_page(  # type: ignore[no-untyped-def]
    submitted: Application, register_admin: User, second_admin: User
) -> None:
    one, two = Client(), Client()
    force_login_with_mfa(one, register_admin)
    force_login_with_mfa(two, second_admin)
    # Both have the confirmation pages open.
    for web in (one, two):
        assert (
            "Yes, approve and add to the register"
            in web.get(_approve_url(submitted)).content.decode()
        )
        assert "Reject the application" in web.get(_reject_url(submitted)).content.decode()
    assert one.post(_approve_url(submitted), {"version": "1"}).status_code == 302
    late = two.post(_reject_url(submitted), {"reasons": "Too thin."})
    assert late.status_code == 409
    assert "nothing was changed" in late.content.decode()
    assert two.post(_approve_url(submitted), {"version": "1"}).status_code == 409
    assert two.post(_review_url(submitted), {"action": "assign"}).status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert submitted.decision_reasons == ""
    assert RegisterEntry.objects.count() == 1
    assert submitted.events.filter(to_status__in=DECISION_STATUSES).count() == 1


# --- 6. Outcomes ---------------------------------------------------------------------------


def test_approve_makes_the_entry_and_tells_the_applicant(  # type: ignore[no-untyped-def]
    submitted: Application,
    client: Client,
    register_admin: User,
    practitioner: User,
    mailoutbox,
    commit,
) -> None:
    mailoutbox.clear()
    with time_machine.travel(_at(dt.date(2027, 3, 10)), tick=False), commit():
        force_login_with_mfa(client, register_admin)  # today's session would have expired
        # The one-click approval is gone: the review page only links to the confirmation.
        one_click = client.post(_review_url(submitted), {"action": "approve"})
        assert one_click.status_code == 400
        assert not RegisterEntry.objects.exists()
        response = client.post(_approve_url(submitted), {"version": "1"})
    assert response.status_code == 302
    assert response.url == _review_url(submitted)
    entry = RegisterEntry.objects.get()
    assert entry.number == f"IMHRR-2027-{submitted.pk:06d}"
    assert re.fullmatch(r"IMHRR-\d{4}-\d{6}", entry.number)
    assert (entry.level, entry.status) == (2, RegisterEntry.Status.CURRENT)
    assert (entry.valid_from, entry.valid_to) == (dt.date(2027, 3, 10), dt.date(2028, 3, 10))
    assert (entry.user, entry.name, entry.region) == (
        practitioner,
        "Pat Practitioner",
        Region.NORTH_WEST,
    )
    [message] = [m for m in mailoutbox if m.to == [practitioner.email]]
    assert message.subject == "[IMH CPD] You are on the register"
    assert entry.number in message.body
    assert "10 March 2028" in message.body
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert submitted.decided_at is not None


def test_approval_on_29_february_runs_to_28_february(
    submitted: Application, register_admin: User
) -> None:
    with time_machine.travel(_at(dt.date(2028, 2, 29)), tick=False):
        entry = services.application_approve(application=submitted, admin=register_admin)
    assert (entry.valid_from, entry.valid_to) == (dt.date(2028, 2, 29), dt.date(2029, 2, 28))


def test_reject_needs_reasons_and_sends_them(  # type: ignore[no-untyped-def]
    submitted: Application, admin_web: Client, practitioner: User, mailoutbox, commit
) -> None:
    response = admin_web.post(_reject_url(submitted), {"reasons": "  "})
    assert response.status_code == 400
    assert "Give the reasons for not approving" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    mailoutbox.clear()
    reasons = "Domain 6 needs evidence from your own practice."
    with commit():
        response = admin_web.post(_reject_url(submitted), {"reasons": reasons})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_reasons) == (Status.REJECTED, reasons)
    [message] = [m for m in mailoutbox if m.to == [practitioner.email]]
    assert reasons in message.body
    assert not RegisterEntry.objects.exists()
    applicant = Client()
    applicant.force_login(practitioner)
    page = applicant.get("/register/apply/").content.decode()
    assert "Earlier applications" in page
    past = page.split('data-testid="past-history"')[1].split("</ol>")[0]
    assert f"Not approved. The reasons: “{reasons}”" in past


def test_request_info_needs_questions_and_the_applicant_sees_history(  # type: ignore[no-untyped-def]
    submitted: Application,
    admin_web: Client,
    register_admin: User,
    practitioner: User,
    mailoutbox,
    commit,
) -> None:
    with pytest.raises(TransitionError, match="Write the questions"):
        services.application_request_info(application=submitted, admin=register_admin, questions="")
    response = admin_web.post(_review_url(submitted), {"action": "request_info", "questions": ""})
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert admin_web.post(_review_url(submitted), {"action": "assign"}).status_code == 302
    mailoutbox.clear()
    with commit():
        response = admin_web.post(
            _review_url(submitted),
            {"action": "request_info", "questions": "Which families do you work with?"},
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.INFO_REQUESTED
    assert _subjects(mailoutbox, practitioner.email) == [
        "[IMH CPD] Questions about your register application"
    ]
    applicant = Client()
    applicant.force_login(practitioner)
    page = applicant.get("/register/apply/").content.decode()
    assert "Which families do you work with?" in page
    history = page.split('data-testid="application-history"')[1].split("</ol>")[0]
    lines = [
        re.sub(r"\s+", " ", line.split("</span>")[1]).strip()
        for line in re.findall(r"<li[^>]*>(.*?)</li>", history, flags=re.S)
    ]
    assert lines == [
        "You started an application at Level 2.",
        "You saved the declarations.",
        "You submitted the application.",
        "An administrator started reviewing your application.",
        "An administrator asked for more information: “Which families do you work with?”",
    ]
    # History in words: no state names, no arrows.
    assert "→" not in history and "info_requested" not in history
    # Answering from the page resubmits; an empty answer does not.
    assert applicant.post("/register/apply/", {"action": "answer", "answer": ""}).status_code == 400
    with commit():
        response = applicant.post(
            "/register/apply/", {"action": "answer", "answer": "Families with babies under one."}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    # Back with the administrator who asked, as a new snapshot.
    assert (submitted.status, submitted.assigned_to) == (Status.UNDER_REVIEW, register_admin)
    assert submitted.snapshots.count() == 2


# --- 7. The public register ----------------------------------------------------------------


@pytest.fixture
def listed(framework) -> dict[str, RegisterEntry]:  # type: ignore[no-untyped-def]
    return {
        "alex": _entry("Alex Example", level=2, region=Region.NORTH_WEST),
        "alexis": _entry("Alexis Sample", level=1, region=Region.LONDON),
        "bo": _entry("Bo Fictional", level=3, region=Region.SCOTLAND),
        "lapsed": _entry(
            "Alex Lapsed", level=2, region=Region.NORTH_WEST, status=RegisterEntry.Status.LAPSED
        ),
        "removed": _entry(
            "Alex Removed", level=3, region=Region.SCOTLAND, status=RegisterEntry.Status.REMOVED
        ),
    }


def _results(client: Client, **params: str) -> list[str]:
    response = client.get("/register/", params)
    assert response.status_code == 200
    rows = response.content.decode().split('data-testid="register-result"')[1:]
    return [re.search(r'">([^<]+)</a>', row).group(1) for row in rows]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "alex"}, ["Alex Example", "Alexis Sample"]),
        ({"q": "EXAMPL"}, ["Alex Example"]),
        ({"q": "  sample  "}, ["Alexis Sample"]),
        ({"level": "3"}, ["Bo Fictional"]),
        ({"level": "2"}, ["Alex Example"]),
        ({"region": Region.SCOTLAND}, ["Bo Fictional"]),
        ({"region": Region.NORTH_WEST}, ["Alex Example"]),
        ({"q": "alex", "level": "1"}, ["Alexis Sample"]),
        ({"q": "alex", "region": Region.SCOTLAND}, []),
        ({"q": "Nobody"}, []),
        ({"q": "Lapsed"}, []),
        ({"q": "Removed"}, []),
    ],
)
def test_search(client: Client, listed, params: dict[str, str], names: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _results(client, **params) == names


def test_search_by_number(client: Client, listed) -> None:  # type: ignore[no-untyped-def]
    assert _results(client, q=listed["bo"].number) == ["Bo Fictional"]
    assert _results(client, q=listed["bo"].number.lower()) == ["Bo Fictional"]
    assert _results(client, q=listed["lapsed"].number) == []
    assert _results(client, q=listed["removed"].number) == []


def test_search_with_a_bad_level_is_400(client: Client, listed) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/register/", {"level": "9"}).status_code == 400
    assert client.get("/register/", {"region": "atlantis"}).status_code == 400


def test_lapsed_entry_answers_with_its_status(client: Client, listed) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("register:entry", args=[listed["lapsed"].number]))
    assert response.status_code == 200
    assert re.search(
        r'Status</dt>\s*<dd[^>]*><strong class="tag tag--grey">Lapsed</strong>',
        response.content.decode(),
    )
    current = client.get(reverse("register:entry", args=[listed["alex"].number.lower()]))
    assert '<strong class="tag tag--green">Current</strong>' in current.content.decode()


def test_removed_entry_is_404(client: Client, listed, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    url = reverse("register:entry", args=[listed["removed"].number])
    assert client.get(url).status_code == 404
    client.force_login(practitioner)
    assert client.get(url).status_code == 404
    assert client.get("/register/entries/IMHRR-2026-999999/").status_code == 404


def test_an_administrator_removes_an_entry_from_the_register(  # type: ignore[no-untyped-def]
    listed, admin_web: Client, register_admin: User
) -> None:
    client = Client()  # the public
    entry = listed["alex"]
    url = reverse("register:entry", args=[entry.number])
    assert client.get(url).status_code == 200
    page = reverse("register:admin_entries")
    refused = admin_web.post(page, {"number": entry.number, "reason": " "})
    assert refused.status_code == 400
    entry.refresh_from_db()
    assert entry.status == RegisterEntry.Status.CURRENT
    done = admin_web.post(page, {"number": entry.number, "reason": "Fitness-to-practise finding."})
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.status == RegisterEntry.Status.REMOVED
    assert list(entry.events.values_list("actor", "from_status", "to_status")) == [
        (register_admin.pk, "current", "removed")
    ]
    assert client.get(url).status_code == 404
    assert _results(client, q="Alex Example") == []
    assert admin_web.get(url).status_code == 200  # administrators still find it
    again = admin_web.post(page, {"number": entry.number, "reason": "Twice."})
    assert again.status_code == 409


def test_entry_page_shows_only_the_public_facts(  # type: ignore[no-untyped-def]
    client: Client, submitted: Application, register_admin: User, practitioner: User
) -> None:
    entry = services.application_approve(application=submitted, admin=register_admin)
    html = client.get(reverse("register:entry", args=[entry.number])).content.decode()
    facts = html.split('data-testid="entry"')[1].split("</dl>")[0]
    assert "Pat Practitioner" in html
    assert entry.number in facts
    assert "Level 2" in facts
    assert "England — North West" in facts
    assert f"{entry.valid_to:%-d %B %Y}" in facts
    for private in (
        practitioner.email,
        REFLECTION["what_happened"],
        REFLECTION["so_what"],
        "Practice in domain",
        ENDORSEMENT,
        STATEMENTS[1],
        "referee1@example.org",
        "Health visitor",
        "Sam Supervisor",
    ):
        assert private not in html, private


def test_entry_page_does_not_publish_the_professional_registration_number(  # type: ignore[no-untyped-def]
    client: Client, submitted: Application, register_admin: User
) -> None:
    entry = services.application_approve(application=submitted, admin=register_admin)
    html = client.get(reverse("register:entry", args=[entry.number])).content.decode()
    assert "12A3456E" not in html


# --- 8. Renewal, reminders and lapse -------------------------------------------------------


def _run_job(commit: Callable[[], Any], when: dt.datetime) -> dict[str, int]:
    with time_machine.travel(when, tick=False), commit():
        return tasks.renewal_reminders_and_lapses()


def test_reminders_at_60_30_and_7_days_each_once_then_lapse(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    valid_to = dt.date(2027, 3, 10)
    entry = _entry("Pat Practitioner", user=practitioner, valid_to=valid_to)
    sent_on: list[tuple[dt.date, str]] = []
    day = valid_to - dt.timedelta(days=75)
    lapsed_on = None
    while day <= valid_to + dt.timedelta(days=40):
        for hour in (6, 18):  # the job runs hourly; twice a day is enough to show "once"
            before = len(mailoutbox)
            _run_job(commit, _at(day, hour))
            sent_on += [(day, m.subject) for m in mailoutbox[before:]]
        entry.refresh_from_db()
        if lapsed_on is None and entry.status == RegisterEntry.Status.LAPSED:
            lapsed_on = day
        day += dt.timedelta(days=1)
    reminders = [(d, s) for d, s in sent_on if "expires in" in s]
    assert reminders == [
        (valid_to - dt.timedelta(days=60), "[IMH CPD] Your register entry expires in 60 days"),
        (valid_to - dt.timedelta(days=30), "[IMH CPD] Your register entry expires in 30 days"),
        (valid_to - dt.timedelta(days=7), "[IMH CPD] Your register entry expires in 7 days"),
    ]
    assert sorted(entry.reminders.values_list("days_before", flat=True)) == [7, 30, 60]
    assert lapsed_on == valid_to + dt.timedelta(days=31)
    assert [s for _, s in sent_on if "lapsed" in s] == ["[IMH CPD] Your register entry has lapsed"]
    assert entry.events.filter(from_status="current", to_status="lapsed").count() == 1


def test_lapse_waits_for_the_grace_period(practitioner: User, mailoutbox, commit) -> None:  # type: ignore[no-untyped-def]
    valid_to = dt.date(2027, 3, 10)
    entry = _entry("Pat Practitioner", user=practitioner, valid_to=valid_to)
    assert _run_job(commit, _at(valid_to + dt.timedelta(days=30), 23))["lapsed"] == 0
    entry.refresh_from_db()
    assert entry.status == RegisterEntry.Status.CURRENT
    assert _run_job(commit, _at(valid_to + dt.timedelta(days=31), 0))["lapsed"] == 1
    entry.refresh_from_db()
    assert entry.status == RegisterEntry.Status.LAPSED
    assert _run_job(commit, _at(valid_to + dt.timedelta(days=32)))["lapsed"] == 0
    assert EntryEvent.objects.filter(to_status="lapsed").count() == 1


@pytest.mark.parametrize(("days_left", "reminder"), [(5, 7), (20, 30)])
def test_first_run_late_sends_only_the_nearest_reminder(  # type: ignore[no-untyped-def]
    days_left: int, reminder: int, practitioner: User, mailoutbox, commit
) -> None:
    today = dt.date(2027, 1, 5)
    entry = _entry("Pat Practitioner", user=practitioner, valid_to=today + dt.timedelta(days_left))
    _run_job(commit, _at(today))
    _run_job(commit, _at(today, 20))
    assert _subjects(mailoutbox, practitioner.email) == [
        f"[IMH CPD] Your register entry expires in {days_left} days"
    ]
    # The skipped, older reminders are recorded so they never go out later.
    assert set(entry.reminders.values_list("days_before", flat=True)) >= {reminder}


def _cpd(portfolio, hours: str, day: dt.date, *, linked: bool = True) -> None:  # type: ignore[no-untyped-def]
    make_evidence(
        portfolio,
        kind=EvidenceKind.CPD_ACTIVITY,
        codes=("1.01",) if linked else (),
        title=f"Course of {hours} hours",
        hours=Decimal(hours),
        date=day,
    )


def _supervision_hours(portfolio, hours: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    make_evidence(
        portfolio,
        kind=EvidenceKind.SUPERVISION,
        codes=(),
        title="Reflective supervision",
        hours=Decimal(hours),
        date=day,
    )


TODAY = dt.date(2027, 1, 20)
EXPIRY = dt.date(2027, 3, 10)
KEYS = list(services.RENEWAL_DECLARATIONS)


def _renewal_case(
    practitioner: User,
    *,
    level: int = 2,
    cpd: tuple[str, ...] = ("8", "7"),
    unlinked_cpd: tuple[str, ...] = (),
    old_cpd: tuple[str, ...] = (),
    supervision: tuple[str, ...] = ("6", "6"),
    valid_to: dt.date = EXPIRY,
) -> RegisterEntry:
    portfolio = practitioner.portfolio
    for h in cpd:
        _cpd(portfolio, h, TODAY - dt.timedelta(days=40))
    for h in unlinked_cpd:
        _cpd(portfolio, h, TODAY - dt.timedelta(days=40), linked=False)
    for h in old_cpd:
        _cpd(portfolio, h, TODAY - dt.timedelta(days=370))
    for h in supervision:
        _supervision_hours(portfolio, h, TODAY - dt.timedelta(days=20))
    return _entry("Pat Practitioner", user=practitioner, level=level, valid_to=valid_to)


@pytest.mark.parametrize(
    ("case", "keys", "message"),
    [
        pytest.param({"cpd": ("8", "6.75")}, KEYS, "you have 14.75", id="cpd-under-15"),
        pytest.param(
            {"cpd": ("8",), "unlinked_cpd": ("7",)}, KEYS, "you have 8", id="cpd-not-linked"
        ),
        pytest.param(
            {"cpd": ("8",), "old_cpd": ("7",)}, KEYS, "you have 8", id="cpd-older-than-12-months"
        ),
        pytest.param(
            {"supervision": ("6", "5.5")}, KEYS, "you have 11.5", id="level-2-supervision-under-12"
        ),
        pytest.param(
            {"level": 3, "supervision": ("11.75",)},
            KEYS,
            "you have 11.75",
            id="level-3-supervision-under-12",
        ),
        pytest.param({}, KEYS[:-1], "Sign every declaration", id="declarations-not-re-signed"),
        pytest.param(
            {"valid_to": dt.date(2027, 3, 22)},
            KEYS,
            "Renewal opens on 21 January 2027, 60 days before your entry expires on 22 March 2027",
            id="61-days-before-expiry-is-too-early",
        ),
    ],
)
def test_renewal_refused(  # type: ignore[no-untyped-def]
    case: dict[str, Any], keys: list[str], message: str, practitioner: User
) -> None:
    entry = _renewal_case(practitioner, **case)
    before = entry.valid_to
    with (
        time_machine.travel(_at(TODAY), tick=False),
        pytest.raises(TransitionError, match=re.escape(message)),
    ):
        services.entry_renew(entry=entry, by=practitioner, keys=keys)
    entry.refresh_from_db()
    assert entry.valid_to == before
    assert not Renewal.objects.exists()
    assert not entry.events.exists()


@pytest.mark.parametrize(
    "case",
    [
        pytest.param({}, id="level-2-15h-cpd-12h-supervision"),
        pytest.param({"level": 1, "supervision": ()}, id="level-1-needs-no-supervision"),
        pytest.param({"valid_to": dt.date(2027, 3, 21)}, id="exactly-60-days-before"),
    ],
)
def test_renewal_extends_by_12_months_keeping_the_number(  # type: ignore[no-untyped-def]
    case: dict[str, Any], practitioner: User
) -> None:
    entry = _renewal_case(practitioner, **case)
    number, before = entry.number, entry.valid_to
    with time_machine.travel(_at(TODAY), tick=False):
        renewal = services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
    entry.refresh_from_db()
    assert entry.number == number
    assert entry.valid_to == before.replace(year=before.year + 1)
    assert entry.status == RegisterEntry.Status.CURRENT
    assert (renewal.previous_valid_to, renewal.new_valid_to) == (before, entry.valid_to)
    assert renewal.cpd_hours == Decimal("15")
    assert set(renewal.declarations) == set(KEYS)
    assert RegisterEntry.objects.count() == 1


def test_renewal_from_the_page(client: Client, practitioner: User) -> None:
    entry = _renewal_case(practitioner)
    with time_machine.travel(_at(TODAY), tick=False):
        client.force_login(practitioner)
        page = client.get("/register/apply/").content.decode()
        assert 'data-testid="current-entry"' in page
        assert "15 h of CPD linked to the framework (you have 15 h)" in page
        assert "Renew my entry" in page
        url = reverse("register:renew", args=[entry.number])
        refused = client.post(url, {"declarations": KEYS[:1]}, follow=True)
        assert "Sign every declaration again" in refused.content.decode()
        done = client.post(url, {"declarations": KEYS}, follow=True)
    assert "Renewed: your entry is valid until 10 March 2028" in done.content.decode()
    entry.refresh_from_db()
    assert entry.valid_to == dt.date(2028, 3, 10)
    # Renewed, the next window is a year away: the page says when, and offers no button.
    with time_machine.travel(_at(TODAY), tick=False):
        page = client.get("/register/apply/").content.decode()
    assert "Renew my entry" not in page
    assert "Renewal opens on <strong>10 January 2028</strong>, 60 days before" in page
    # Nobody else can renew it.
    other = UserFactory(email="someone@example.org", full_name="Kit Someone")
    client.force_login(other)
    assert client.post(url, {"declarations": KEYS}).status_code == 404
    with pytest.raises(TransitionError, match="Only the registrant"):
        services.entry_renew(entry=entry, by=other, keys=KEYS)


def test_a_lapsed_entry_cannot_be_renewed(practitioner: User) -> None:
    entry = _renewal_case(practitioner)
    RegisterEntry.objects.filter(pk=entry.pk).update(status=RegisterEntry.Status.LAPSED)
    entry.refresh_from_db()
    with (
        time_machine.travel(_at(TODAY), tick=False),
        pytest.raises(TransitionError, match="new application"),
    ):
        services.entry_renew(entry=entry, by=practitioner, keys=KEYS)


def test_renewal_thresholds_come_from_settings(settings, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    entry = _renewal_case(practitioner, cpd=("6",), supervision=("3",))
    with time_machine.travel(_at(TODAY), tick=False):
        with pytest.raises(TransitionError, match="15 hours of CPD"):
            services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
        settings.REGISTER_RENEWAL_HOURS = {
            1: {"cpd": 5, "supervision": 0},
            2: {"cpd": 5, "supervision": 4},
            3: {"cpd": 5, "supervision": 2},
        }
        with pytest.raises(TransitionError, match=r"4 hours of reflective supervision"):
            services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
        settings.REGISTER_RENEWAL_HOURS = {
            1: {"cpd": 5, "supervision": 0},
            2: {"cpd": 5, "supervision": 2},
            3: {"cpd": 5, "supervision": 2},
        }
        renewal = services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
    assert (renewal.cpd_hours, renewal.supervision_hours) == (Decimal("6"), Decimal("3"))


def test_renewal_starts_a_new_round_of_reminders(  # type: ignore[no-untyped-def]
    practitioner: User, mailoutbox, commit
) -> None:
    entry = _renewal_case(practitioner)
    _run_job(commit, _at(EXPIRY - dt.timedelta(days=60)))
    _run_job(commit, _at(EXPIRY - dt.timedelta(days=30)))
    with time_machine.travel(_at(EXPIRY - dt.timedelta(days=29)), tick=False):
        services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
    entry.refresh_from_db()
    _run_job(commit, _at(EXPIRY - dt.timedelta(days=7)))  # the old date: nothing now
    _run_job(commit, _at(entry.valid_to - dt.timedelta(days=60)))
    assert [s for s in _subjects(mailoutbox, practitioner.email) if "expires" in s] == [
        "[IMH CPD] Your register entry expires in 60 days",
        "[IMH CPD] Your register entry expires in 30 days",
        "[IMH CPD] Your register entry expires in 60 days",
    ]
    assert ReminderSent.objects.filter(entry=entry, valid_to=entry.valid_to).count() == 1


# --- 9. Referee link misuse ----------------------------------------------------------------


@pytest.fixture
def asked(prepare, mailoutbox) -> tuple[Application, str]:  # type: ignore[no-untyped-def]
    """A draft application with everything but the references; one referee asked."""
    app = prepare(references=1, received=0)
    return app, f"/register/references/{_token(mailoutbox, 'referee1@example.org')}/"


def _assert_unchanged(app: Application) -> None:
    reference = app.references.get(email="referee1@example.org")
    assert reference.statement == ""
    assert reference.received_at is None


def test_garbage_token_is_404(client: Client, asked) -> None:  # type: ignore[no-untyped-def]
    for token in ("not-a-token", "x" * 43):
        assert client.get(f"/register/references/{token}/").status_code == 404
        response = client.post(f"/register/references/{token}/", _reference_data())
        assert response.status_code == 404
    _assert_unchanged(asked[0])


def test_used_link_is_410_and_changes_nothing(client: Client, asked) -> None:  # type: ignore[no-untyped-def]
    app, url = asked
    assert client.post(url, _reference_data(1)).status_code == 200
    assert client.get(url).status_code == 410
    again = client.post(url, {**_reference_data(2), "statement": "Overwritten."})
    assert again.status_code == 410
    assert "already been given" in again.content.decode()
    reference = app.references.get()
    assert (reference.status, reference.statement) == ("received", STATEMENTS[1])


def test_expired_link_is_410(client: Client, asked, settings) -> None:  # type: ignore[no-untyped-def]
    app, url = asked
    reference = app.references.get()
    lifetime = reference.expires_at - reference.requested_at
    assert abs(lifetime - dt.timedelta(days=settings.REGISTER_REFERENCE_DAYS)).total_seconds() < 1
    with time_machine.travel(reference.expires_at - dt.timedelta(minutes=1), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(reference.expires_at + dt.timedelta(minutes=1), tick=False):
        assert client.get(url).status_code == 410
        response = client.post(url, _reference_data())
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    _assert_unchanged(app)
    assert app.references.get().status == Reference.Status.REQUESTED


def test_withdrawn_link_is_410(client: Client, asked, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    app, url = asked
    services.reference_withdraw(reference=app.references.get(), by=practitioner)
    assert client.get(url).status_code == 410
    assert client.post(url, _reference_data()).status_code == 410
    assert app.references.get().status == Reference.Status.WITHDRAWN
    _assert_unchanged(app)


def test_link_after_submission_is_410(  # type: ignore[no-untyped-def]
    client: Client, prepare, practitioner: User, mailoutbox, commit
) -> None:
    app = prepare(references=3, received=2)
    url = f"/register/references/{_token(mailoutbox, 'referee3@example.org')}/"
    with commit():
        services.application_submit(application=app, by=practitioner)
    response = client.post(url, _reference_data())
    assert response.status_code == 410
    assert "no longer needs references" in response.content.decode()
    assert app.references.get(email="referee3@example.org").status == Reference.Status.REQUESTED
    assert app.snapshots.get().data["application"]["references"][-1]["name"] == "Referee 2"


def test_link_after_withdrawal_is_410(client: Client, asked, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    app, url = asked
    services.application_withdraw(application=app, by=practitioner)
    assert client.get(url).status_code == 410


def test_referee_page_shows_nothing_of_the_portfolio(  # type: ignore[no-untyped-def]
    client: Client, asked, practitioner: User
) -> None:
    response = client.get(asked[1])
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    # The token in the address must not reach other sites.
    assert response["Referrer-Policy"] in ("no-referrer", "same-origin")
    html = response.content.decode()
    assert "Reference for Pat Practitioner" in html
    assert "Level 2" in html
    for private in (
        practitioner.email,
        "Practice in domain",
        REFLECTION["what_happened"],
        REFLECTION["now_what"],
        ENDORSEMENT,
        "12A3456E",
        "Sam Supervisor",
        "supervisor@example.org",
        "Health visitor",
    ):
        assert private not in html, private


def test_invalid_reference_form_is_400_with_messages(client: Client, asked) -> None:  # type: ignore[no-untyped-def]
    app, url = asked
    response = client.post(
        url, {"referee_role": "Team leader", "relationship": "", "statement": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("This field is required.") == 2
    too_long = client.post(url, {**_reference_data(), "referee_role": "x" * 201})
    assert too_long.status_code == 400
    assert "at most 200 characters" in too_long.content.decode()
    _assert_unchanged(app)
    assert app.references.get().status == Reference.Status.REQUESTED
    assert client.post(url, _reference_data()).status_code == 200


# --- 10. Audit -----------------------------------------------------------------------------


def _trail(app: Application) -> list[tuple[int | None, str, str]]:
    return list(
        ApplicationEvent.objects.filter(application=app)
        .order_by("created_at", "pk")
        .values_list("actor", "from_status", "to_status")
    )


def test_every_application_transition_leaves_an_event(  # type: ignore[no-untyped-def]
    prepare, practitioner: User, register_admin: User, second_admin: User, commit
) -> None:
    app = prepare()
    p, a, b = practitioner.pk, register_admin.pk, second_admin.pk
    # Started, then the declarations agreed (recorded without a change of status).
    assert _trail(app) == [(p, "", "draft"), (p, "draft", "draft")]
    with commit():
        services.application_submit(application=app, by=practitioner)
    # Questions before anyone took it: the answer puts it back in the queue.
    services.application_request_info(application=app, admin=second_admin, questions="Which?")
    with commit():
        services.info_answer(application=app, by=practitioner, answer="This one.")
    services.application_assign(application=app, admin=register_admin)
    services.application_assign(application=app, admin=second_admin)  # reassigned
    # Questions from the assigned administrator: the answer goes back to them.
    services.application_request_info(application=app, admin=second_admin, questions="And?")
    with commit():
        services.info_answer(application=app, by=practitioner, answer="That one.")
    with time_machine.travel(_at(dt.date(2027, 1, 4)), tick=False):
        entry = services.application_approve(application=app, admin=second_admin)
    assert _trail(app) == [
        (p, "", "draft"),
        (p, "draft", "draft"),
        (p, "draft", "submitted"),
        (b, "submitted", "info_requested"),
        (p, "info_requested", "submitted"),
        (a, "submitted", "under_review"),
        (b, "under_review", "under_review"),
        (b, "under_review", "info_requested"),
        (p, "info_requested", "under_review"),
        (b, "under_review", "approved"),
    ]
    details = list(app.events.values_list("detail", flat=True))
    assert "snapshot version 3" in details
    assert f"assigned to {second_admin.full_name}" in details

    # The entry's own trail: approval, renewal, lapse.
    for h in ("8", "7"):
        _cpd(practitioner.portfolio, h, dt.date(2027, 9, 1))
    _supervision_hours(practitioner.portfolio, "12", dt.date(2027, 9, 2))
    with time_machine.travel(_at(dt.date(2027, 12, 1)), tick=False):
        services.entry_renew(entry=entry, by=practitioner, keys=KEYS)
    entry.refresh_from_db()
    _run_job(commit, _at(entry.valid_to + dt.timedelta(days=31)))
    assert list(entry.events.values_list("actor", "from_status", "to_status")) == [
        (b, "", "current"),
        (p, "current", "current"),
        (None, "current", "lapsed"),
    ]
    assert list(entry.events.values_list("detail", flat=True))[1] == "renewed to 2029-01-04"


@pytest.mark.parametrize("ending", ["withdraw_draft", "withdraw_submitted", "reject"])
def test_withdrawal_and_rejection_leave_events(  # type: ignore[no-untyped-def]
    ending: str, prepare, practitioner: User, register_admin: User, commit
) -> None:
    app = prepare()
    p, a = practitioner.pk, register_admin.pk
    expected = [(p, "", "draft"), (p, "draft", "draft")]  # started, declarations agreed
    if ending != "withdraw_draft":
        with commit():
            services.application_submit(application=app, by=practitioner)
        expected.append((p, "draft", "submitted"))
    if ending == "reject":
        services.application_reject(application=app, admin=register_admin, reasons="Too early.")
        expected.append((a, "submitted", "rejected"))
    else:
        services.application_withdraw(application=app, by=practitioner)
        expected.append((p, expected[-1][2], "withdrawn"))
    assert _trail(app) == expected
    assert not EntryEvent.objects.exists()


def test_a_refused_transition_leaves_no_event(
    submitted: Application, register_admin: User, practitioner: User
) -> None:
    before = _trail(submitted)
    with pytest.raises(TransitionError):
        services.application_reject(application=submitted, admin=register_admin, reasons="")
    with pytest.raises(TransitionError):
        services.application_request_info(
            application=submitted, admin=register_admin, questions=" "
        )
    with pytest.raises(TransitionError):
        services.info_answer(application=submitted, by=practitioner, answer="Nothing was asked.")
    services.application_reject(application=submitted, admin=register_admin, reasons="No.")
    with pytest.raises(TransitionError):
        services.application_withdraw(application=submitted, by=practitioner)
    with pytest.raises(TransitionError):
        services.application_assign(application=submitted, admin=register_admin)
    assert _trail(submitted) == [*before, (register_admin.pk, "submitted", "rejected")]
