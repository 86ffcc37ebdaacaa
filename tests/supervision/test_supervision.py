"""Supervision (issue 4) as behaviour: invitation links and their misuse, submission, locking
of what was submitted or signed off, racing decisions, reviews, notifications, the weekly
digest and the audit trail.

Who may open which page is the permission matrix's job (test_permissions.py); here each test
checks what an action does, and that a refused action changes nothing. Everyone is invented:
example.org addresses and obviously fake names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from competencies.models import Competency
from portfolios import selectors, services
from portfolios.models import Attachment, Evidence, EvidenceEvent, EvidenceLink, EvidenceRevision
from portfolios.selectors import CompetencyStatus
from portfolios.supervision import notifications
from portfolios.supervision import services as sv
from portfolios.supervision.models import (
    DigestSent,
    Notification,
    NotificationPreference,
    Review,
    Supervision,
    SupervisionEvent,
)
from tests.factories import (
    REFLECTION,
    UserFactory,
    make_evidence,
    make_portfolio,
    make_supervision,
    png_bytes,
)
from tests.imhcpd.signin import force_login_with_mfa

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Status = EvidenceRevision.Status
SStatus = Supervision.Status
Action = EvidenceEvent.Action
NHS_NUMBER = "943 476 5919"  # passes the modulus-11 check; invented
PAST = "2025-06-01"
# Monday of ISO week 2026-W10, when the weekly digest may first go out.
MONDAY_7AM = dt.datetime(2026, 3, 2, 7, 0, tzinfo=LONDON)


# --- Helpers ------------------------------------------------------------------------------


def invitation_url(token: str) -> str:
    return f"/supervision/invitations/{token}/"


def token_in(message: mail.EmailMessage) -> str:
    found = re.search(r"/supervision/invitations/([\w-]+)/", message.body)
    assert found, message.body
    return found.group(1)


def said(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The flash messages this request added for the next page.

    Only this request's (queued) ones: the test client does not follow redirects here, so
    earlier requests' messages are still pending in the cookie.
    """
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def fresh(obj):  # type: ignore[no-untyped-def]
    return type(obj).objects.get(pk=obj.pk)


def supervision_state(supervision: Supervision) -> tuple[object, ...]:
    """Everything an invitation link could change."""
    row = fresh(supervision)
    return (
        row.status,
        row.supervisor_id,
        row.responded_at,
        row.token_hash,
        row.events.count(),
        Notification.objects.count(),
        Supervision.objects.count(),
    )


def revision_state(revision: EvidenceRevision) -> tuple[object, ...]:
    """Everything about a revision that must not change once it is locked."""
    row = fresh(revision)
    links = [(lk.competency_id, lk.rationale, lk.accepted) for lk in row.links.all()]
    review = Review.objects.filter(revision=row).values_list("outcome", "level", "declaration")
    return (
        row.status,
        row.title,
        row.date,
        row.details,
        row.confidentiality_confirmed_at,
        row.confidentiality_flags,
        row.signed_off_level,
        row.submitted_to_id,
        row.updated_at,
        links,
        list(row.attachments.values_list("pk", flat=True)),
        list(review),
    )


def comp(framework, code: str) -> Competency:  # type: ignore[no-untyped-def]
    return Competency.objects.get(framework=framework, code=code)


def link_rows(links: list[tuple[Competency, str]]) -> dict[str, str]:
    data = {
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "63",
    }
    for i, (competency, rationale) in enumerate(links):
        data[f"links-{i}-competency"] = str(competency.pk)
        data[f"links-{i}-rationale"] = rationale
    return data


def edit_post(title: str, links: list[tuple[Competency, str]], **fields: str) -> dict[str, str]:
    return {"title": title, "date": PAST, **REFLECTION, **fields, **link_rows(links)}


def sign_off_form(revision: EvidenceRevision) -> dict[str, object]:
    """The review page's sign-off form as drawn: every link ticked, the declaration ticked."""
    accepted = [str(pk) for pk in revision.links.values_list("pk", flat=True)]
    return {"action": "sign_off", "declaration": "on", "accepted": accepted}


def submit(evidence: Evidence, supervision: Supervision) -> EvidenceRevision:
    return sv.evidence_submit(
        evidence=fresh(evidence), supervision=fresh(supervision), by=evidence.portfolio.user
    )


def status_of(portfolio, code: str, level: int | None = None) -> str:  # type: ignore[no-untyped-def]
    states = selectors.competency_states(portfolio, level)
    return next(s.status for s in states if s.competency.code == code)


def prefs(user, **values: bool) -> None:  # type: ignore[no-untyped-def]
    NotificationPreference.objects.update_or_create(user=user, defaults=values)


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the after-commit callbacks (the emails) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def second_supervisor(db: None):  # type: ignore[no-untyped-def]
    return UserFactory(email="second.supervisor@example.org", full_name="Sky Second")


@pytest.fixture
def stranger(db: None):  # type: ignore[no-untyped-def]
    return UserFactory(email="someone.else@example.org", full_name="Nobody Inparticular")


@pytest.fixture
def invited(practitioner, supervisor, after_commit):  # type: ignore[no-untyped-def]
    """An invitation to `supervisor`, and the token from the email they were sent."""
    with after_commit():
        supervision = sv.supervision_invite(
            portfolio=practitioner.portfolio,
            name=supervisor.full_name,
            email=supervisor.email,
            role=Supervision.Role.CLINICAL_SUPERVISOR,
            by=practitioner,
        )
    (message,) = emails_to(supervisor.email)
    return supervision, token_in(message)


@pytest.fixture
def supervision(practitioner, supervisor):  # type: ignore[no-untyped-def]
    return make_supervision(practitioner.portfolio, supervisor)


@pytest.fixture
def submitted(practitioner, supervision):  # type: ignore[no-untyped-def]
    """A revision with two competency links, waiting for the supervisor's review."""
    evidence = make_evidence(practitioner.portfolio, codes=("1.01", "1.02"))
    return submit(evidence, supervision)


@pytest.fixture
def signed(submitted, supervisor):  # type: ignore[no-untyped-def]
    sv.review_sign_off(revision=fresh(submitted), by=supervisor, declared=True)
    return fresh(submitted)


# --- 1. Invitation links ------------------------------------------------------------------


def test_the_invitee_accepts_through_the_emailed_link(client, invited, supervisor) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    client.force_login(supervisor)

    page = client.get(invitation_url(token))
    response = client.post(invitation_url(token), {"action": "accept"})

    assert page.status_code == 200
    assert "Pat Practitioner" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/supervision/"
    row = fresh(supervision)
    assert (row.status, row.supervisor, row.responded_at is not None) == (
        SStatus.ACTIVE,
        supervisor,
        True,
    )


def test_a_signed_out_visitor_is_asked_to_sign_in_and_changes_nothing(client, invited) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    before = supervision_state(supervision)

    page = client.get(invitation_url(token))
    posted = client.post(invitation_url(token), {"action": "accept"})

    assert page.status_code == posted.status_code == 200
    assert "Sign in or create an account with <strong>supervisor@example.org" in (
        page.content.decode()
    )
    assert supervision_state(supervision) == before


def test_an_expired_link_is_refused_and_changes_nothing(
    client, practitioner, supervisor, after_commit
) -> None:  # type: ignore[no-untyped-def]
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    with time_machine.travel(start, tick=False) as traveller:
        with after_commit():
            supervision = sv.supervision_invite(
                portfolio=practitioner.portfolio,
                name="Sam Supervisor",
                email=supervisor.email,
                role=Supervision.Role.MENTOR,
                by=practitioner,
            )
        token = token_in(mail.outbox[-1])
        traveller.move_to(supervision.expires_at - dt.timedelta(seconds=1))
        client.force_login(supervisor)
        assert client.get(invitation_url(token)).status_code == 200  # still valid

        traveller.move_to(supervision.expires_at)
        client.force_login(supervisor)
        before = supervision_state(supervision)
        page = client.get(invitation_url(token))
        posted = client.post(invitation_url(token), {"action": "accept"})

    assert page.status_code == posted.status_code == 410
    assert "This invitation has expired. Ask for a new one." in posted.content.decode()
    assert supervision_state(supervision) == before
    assert fresh(supervision).status == SStatus.INVITED


def test_a_link_used_once_cannot_be_used_again(client, invited, supervisor) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    client.force_login(supervisor)
    assert client.post(invitation_url(token), {"action": "accept"}).status_code == 302
    before = supervision_state(supervision)

    again = client.post(invitation_url(token), {"action": "accept"})
    decline = client.post(invitation_url(token), {"action": "decline"})

    assert again.status_code == decline.status_code == 410
    assert "already been used or withdrawn (active)" in again.content.decode()
    assert supervision_state(supervision) == before
    assert Supervision.objects.filter(status=SStatus.ACTIVE).count() == 1


def test_someone_elses_link_is_refused_and_changes_nothing(client, invited, stranger) -> None:  # type: ignore[no-untyped-def]
    """check_invitation requires the signed-in account's email to be the invitee's."""
    supervision, token = invited
    before = supervision_state(supervision)
    client.force_login(stranger)

    page = client.get(invitation_url(token))
    posted = client.post(invitation_url(token), {"action": "accept"})

    assert page.status_code == posted.status_code == 410
    assert "sent to a different email address" in posted.content.decode()
    assert supervision_state(supervision) == before


def test_the_practitioner_cannot_accept_their_own_invitation(client, invited, practitioner) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    before = supervision_state(supervision)
    client.force_login(practitioner)

    response = client.post(invitation_url(token), {"action": "accept"})

    assert response.status_code == 410
    assert "You cannot accept your own invitation." in response.content.decode()
    assert supervision_state(supervision) == before


def test_a_cancelled_invitation_link_is_refused(client, invited, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    client.force_login(practitioner)
    response = client.post(f"/supervision/supervisors/{supervision.pk}/cancel/")
    assert response.status_code == 302
    assert said(response) == ["Invitation cancelled."]
    before = supervision_state(supervision)
    client.force_login(supervisor)

    posted = client.post(invitation_url(token), {"action": "accept"})

    assert posted.status_code == 410
    assert "already been used or withdrawn (cancelled)" in posted.content.decode()
    assert supervision_state(supervision) == before
    assert fresh(supervision).status == SStatus.CANCELLED


def test_a_declined_invitation_link_is_refused(client, invited, supervisor, practitioner) -> None:  # type: ignore[no-untyped-def]
    supervision, token = invited
    client.force_login(supervisor)
    assert client.post(invitation_url(token), {"action": "decline"}).status_code == 302
    assert fresh(supervision).status == SStatus.DECLINED
    assert practitioner.notifications.get().text == "Sam Supervisor declined your invitation."
    before = supervision_state(supervision)

    posted = client.post(invitation_url(token), {"action": "accept"})

    assert posted.status_code == 410
    assert "already been used or withdrawn (declined)" in posted.content.decode()
    assert supervision_state(supervision) == before


@pytest.mark.parametrize("token", ["not-a-token", "A" * 43, "%20"])
def test_a_garbage_token_is_404_with_a_message_and_changes_nothing(
    client, invited, supervisor, token
) -> None:  # type: ignore[no-untyped-def]
    supervision, _ = invited
    before = supervision_state(supervision)
    client.force_login(supervisor)

    response = client.post(invitation_url(token), {"action": "accept"})

    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()
    assert supervision_state(supervision) == before


@pytest.mark.parametrize(("first", "stale"), [("accept", "decline"), ("decline", "accept")])
def test_a_racing_accept_and_decline_answer_409_not_500(
    client, invited, supervisor, first, stale
) -> None:  # type: ignore[no-untyped-def]
    """Two tabs: both loaded the invitation while it was waiting; one answer commits first."""
    supervision, token = invited
    loaded_before = fresh(supervision)  # what the slower request read before the other committed
    client.force_login(supervisor)
    assert client.post(invitation_url(token), {"action": first}).status_code == 302
    before = supervision_state(supervision)
    client.raise_request_exception = False

    with mock.patch.object(sv, "invitation_for_token", return_value=loaded_before):
        response = client.post(invitation_url(token), {"action": stale})

    assert supervision_state(supervision) == before
    assert response.status_code == 409


# --- 1b. Resending ------------------------------------------------------------------------


def test_resending_within_the_hour_is_refused(
    client, practitioner, supervisor, after_commit
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False) as t:
        with after_commit():
            supervision = sv.supervision_invite(
                portfolio=practitioner.portfolio,
                name="Sam Supervisor",
                email=supervisor.email,
                role=Supervision.Role.LINE_MANAGER,
                by=practitioner,
            )
        t.shift(dt.timedelta(minutes=59))
        client.force_login(practitioner)
        with after_commit():
            response = client.post(f"/supervision/supervisors/{supervision.pk}/resend/")

    assert response.status_code == 302
    assert said(response) == ["The invitation was sent less than an hour ago; please wait."]
    assert fresh(supervision).send_count == 1
    assert len(emails_to(supervisor.email)) == 1


def test_a_resent_link_replaces_the_old_one(client, practitioner, supervisor, after_commit) -> None:  # type: ignore[no-untyped-def]
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    with time_machine.travel(start, tick=False) as t:
        with after_commit():
            supervision = sv.supervision_invite(
                portfolio=practitioner.portfolio,
                name="Sam Supervisor",
                email=supervisor.email,
                role=Supervision.Role.CLINICAL_SUPERVISOR,
                by=practitioner,
            )
        t.shift(dt.timedelta(hours=1))
        client.force_login(practitioner)
        with after_commit():
            response = client.post(f"/supervision/supervisors/{supervision.pk}/resend/")
        client.force_login(supervisor)
        old, new = (token_in(m) for m in emails_to(supervisor.email))
        old_page = client.get(invitation_url(old))
        new_page = client.get(invitation_url(new))

    assert said(response) == ["Invitation sent again."]
    assert old != new
    assert old_page.status_code == 404
    assert "It may have been resent." in old_page.content.decode()
    assert new_page.status_code == 200
    row = fresh(supervision)
    assert (row.send_count, row.status) == (2, SStatus.INVITED)
    assert row.expires_at == start.astimezone(dt.UTC) + dt.timedelta(hours=1, days=30)


def test_an_invitation_is_sent_at_most_five_times(
    client, practitioner, supervisor, after_commit
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False) as t:
        with after_commit():
            supervision = sv.supervision_invite(
                portfolio=practitioner.portfolio,
                name="Sam Supervisor",
                email=supervisor.email,
                role=Supervision.Role.CLINICAL_SUPERVISOR,
                by=practitioner,
            )
        for _ in range(4):
            t.shift(dt.timedelta(hours=2))
            with after_commit():
                sv.supervision_resend(supervision=supervision, by=practitioner)
        t.shift(dt.timedelta(hours=2))
        client.force_login(practitioner)
        with after_commit():
            response = client.post(f"/supervision/supervisors/{supervision.pk}/resend/")

    assert said(response) == [
        "The invitation has been sent 5 times. Cancel it and check the address."
    ]
    assert fresh(supervision).send_count == sv.MAX_SENDS == 5
    assert len(emails_to(supervisor.email)) == 5


# --- 1c. Inviting -------------------------------------------------------------------------


def test_an_invitation_from_the_page_emails_the_invitee(client, practitioner, after_commit) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    with after_commit():
        response = client.post(
            "/supervision/supervisors/",
            {"name": "Dee Example", "email": " Dee@Example.org ", "role": "mentor"},
        )

    assert response.status_code == 302
    supervision = Supervision.objects.get()
    assert (supervision.invitee_email, supervision.status) == ("dee@example.org", SStatus.INVITED)
    (message,) = mail.outbox
    assert message.to == ["dee@example.org"]
    assert message.subject == (
        "[IMH CPD] Pat Practitioner invites you to supervise their IMH CPD portfolio"
    )
    assert "to be their mentor" in message.body
    assert f"expires on {timezone.localtime(supervision.expires_at):%-d %B %Y}" in message.body
    assert sv.invitation_for_token(token_in(message)) == supervision


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (" PRACTITIONER@example.org", "You cannot be your own supervisor."),
        ("Supervisor@Example.org", "already has an open invitation or supervision with you."),
        ("not-an-email", "Enter a valid email address."),
        ("", "This field is required."),
    ],
)
def test_a_bad_invitation_is_a_form_error_not_500(
    client, invited, practitioner, email, message, after_commit
) -> None:  # type: ignore[no-untyped-def]
    mail.outbox.clear()
    client.force_login(practitioner)

    with after_commit():
        response = client.post(
            "/supervision/supervisors/",
            {"name": "Sam Supervisor", "email": email, "role": "clinical_supervisor"},
        )

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert Supervision.objects.count() == 1
    assert mail.outbox == []


def test_an_active_supervisor_cannot_be_invited_twice(
    practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.TransitionError, match="already has an open invitation"):
        sv.supervision_invite(
            portfolio=practitioner.portfolio,
            name="Sam Again",
            email="SUPERVISOR@example.org",
            role=Supervision.Role.MENTOR,
            by=practitioner,
        )


def test_someone_who_declined_can_be_invited_again(practitioner, supervisor, invited) -> None:  # type: ignore[no-untyped-def]
    supervision, _ = invited
    sv.supervision_decline(supervision=supervision, user=supervisor)

    again = sv.supervision_invite(
        portfolio=practitioner.portfolio,
        name="Sam Supervisor",
        email=supervisor.email,
        role=Supervision.Role.MENTOR,
        by=practitioner,
    )

    assert again.pk != supervision.pk
    assert again.status == SStatus.INVITED


# --- 2. Submitting ------------------------------------------------------------------------


def test_submitting_a_draft_sends_it_to_the_chosen_supervisor(
    client, practitioner, supervision
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)

    response = client.post(
        f"/supervision/evidence/{evidence.pk}/submit/", {"supervision": supervision.pk}
    )

    assert response.status_code == 302
    assert said(response) == ["Sent to Sam Supervisor for review."]
    revision = fresh(evidence.current)
    assert (revision.status, revision.submitted_to, revision.submitted_at is not None) == (
        Status.SUBMITTED,
        supervision,
        True,
    )


@pytest.mark.parametrize("which", ["other_practitioners", "invited_only", "ended", "none"])
def test_submitting_needs_an_active_supervision_of_this_practitioner(
    client, practitioner, other_practitioner, supervisor, second_supervisor, which
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    if which == "other_practitioners":
        target = make_supervision(other_practitioner.portfolio, supervisor).pk
    elif which == "invited_only":
        target = sv.supervision_invite(
            portfolio=practitioner.portfolio,
            name="Sky Second",
            email=second_supervisor.email,
            role=Supervision.Role.MENTOR,
            by=practitioner,
        ).pk
    elif which == "ended":
        ended = make_supervision(practitioner.portfolio, supervisor)
        sv.supervision_end(supervision=ended, by=practitioner)
        target = ended.pk
    else:
        target = ""
    before = revision_state(evidence.current)
    client.force_login(practitioner)

    response = client.post(f"/supervision/evidence/{evidence.pk}/submit/", {"supervision": target})

    assert response.status_code == 302
    assert said(response) == ["Choose one of your active supervisors."]
    assert revision_state(evidence.current) == before
    assert evidence.events.count() == 1  # only "created"


def test_the_service_refuses_a_supervision_of_another_portfolio(
    practitioner, other_practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    theirs = make_supervision(other_practitioner.portfolio, supervisor)

    with pytest.raises(services.TransitionError, match="active supervisors"):
        sv.evidence_submit(evidence=evidence, supervision=theirs, by=practitioner)

    assert fresh(evidence.current).status == Status.DRAFT


@pytest.mark.parametrize("state", [Status.SUBMITTED, Status.SIGNED_OFF, Status.RETURNED])
def test_only_a_draft_can_be_submitted(practitioner, supervisor, supervision, state) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    revision = submit(evidence, supervision)
    if state == Status.SIGNED_OFF:
        sv.review_sign_off(revision=revision, by=supervisor, declared=True)
    elif state == Status.RETURNED:
        sv.review_return(revision=revision, by=supervisor, feedback="Say more about the feed.")
    before = revision_state(revision)
    events = evidence.events.count()

    with pytest.raises(services.TransitionError, match="only a draft can be submitted"):
        submit(evidence, supervision)

    assert revision_state(revision) == before
    assert evidence.events.count() == events


def test_submitting_needs_a_competency_link(client, practitioner, supervision) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, codes=())
    client.force_login(practitioner)

    response = client.post(
        f"/supervision/evidence/{evidence.pk}/submit/", {"supervision": supervision.pk}
    )

    assert said(response) == ["Link at least one competency before asking for review."]
    assert fresh(evidence.current).status == Status.DRAFT


def test_submitting_needs_flagged_text_to_be_confirmed(practitioner, supervision) -> None:  # type: ignore[no-untyped-def]
    unchecked = make_evidence(practitioner.portfolio)
    # A draft saved before the scan knew this pattern: flagged now, never confirmed.
    EvidenceRevision.objects.filter(pk=unchecked.current_id).update(
        details={**REFLECTION, "what_happened": f"NHS number {NHS_NUMBER} came up."}
    )
    checked = services.evidence_create(
        portfolio=practitioner.portfolio,
        kind="reflective_account",
        data=services.EvidenceInput(
            title="Checked",
            date=dt.date(2025, 6, 1),
            details={**REFLECTION, "what_happened": f"NHS number {NHS_NUMBER} came up."},
            links=[
                services.LinkInput(
                    competency=comp(practitioner.portfolio.framework, "1.01"), rationale="It does."
                )
            ],
        ),
        by=practitioner,
        confirm_no_identifiers=True,
    )

    with pytest.raises(services.TransitionError, match="may identify a family"):
        submit(unchecked, supervision)

    assert fresh(unchecked.current).status == Status.DRAFT
    assert submit(checked, supervision).status == Status.SUBMITTED


def test_a_submitted_revision_is_read_only_on_every_path(client, practitioner, submitted) -> None:  # type: ignore[no-untyped-def]
    evidence = submitted.evidence
    before = revision_state(submitted)
    client.force_login(practitioner)
    edit_url = f"/portfolio/evidence/{evidence.pk}/edit/"
    framework = practitioner.portfolio.framework

    page = client.get(edit_url)
    posted = client.post(edit_url, edit_post("Changed", [(comp(framework, "2.01"), "Yes.")]))
    upload = client.post(
        f"/portfolio/evidence/{evidence.pk}/attachments/",
        {"file": SimpleUploadedFile("late.png", png_bytes())},
    )
    deleted = client.post(f"/portfolio/evidence/{evidence.pk}/delete/")
    with pytest.raises(services.TransitionError, match="with your supervisor for review"):
        services.evidence_update(
            evidence=evidence,
            data=services.EvidenceInput(title="Changed", date=dt.date(2025, 6, 1)),
            by=practitioner,
        )

    assert page.status_code == posted.status_code == 302
    assert said(posted) == [
        "This item is with your supervisor for review and cannot be changed yet."
    ]
    assert upload.status_code == 409
    assert said(deleted) == [
        "Evidence that has been submitted for review is kept and cannot be deleted; "
        "archive it instead."
    ]
    assert revision_state(submitted) == before
    assert evidence.revisions.count() == 1
    assert not Attachment.objects.exists()


# --- 3. Locking after sign-off ------------------------------------------------------------


def test_editing_after_sign_off_starts_a_new_draft_and_keeps_the_signed_one(
    client, practitioner, signed
) -> None:  # type: ignore[no-untyped-def]
    evidence = signed.evidence
    before = revision_state(signed)
    framework = practitioner.portfolio.framework
    client.force_login(practitioner)

    response = client.post(
        f"/portfolio/evidence/{evidence.pk}/edit/",
        edit_post("Rewritten", [(comp(framework, "3.01"), "A new claim.")]),
    )

    assert response.status_code == 302
    assert revision_state(signed) == before
    current = fresh(evidence).current
    assert (current.number, current.status, current.title) == (2, Status.DRAFT, "Rewritten")
    assert [lk.competency.code for lk in current.links.all()] == ["3.01"]
    assert not Review.objects.filter(revision=current).exists()


def test_services_refuse_to_change_a_signed_revision(practitioner, supervisor, signed) -> None:  # type: ignore[no-untyped-def]
    evidence = signed.evidence
    before = revision_state(signed)
    events = evidence.events.count()
    upload = SimpleUploadedFile("late.png", png_bytes())
    refusals = [
        lambda: services.attachment_add(evidence=evidence, upload=upload, by=practitioner),
        lambda: services.evidence_delete(evidence=evidence, by=practitioner),
        lambda: sv.evidence_submit(
            evidence=fresh(evidence), supervision=signed.submitted_to, by=practitioner
        ),
        lambda: sv.review_sign_off(revision=signed, by=supervisor, declared=True),
        lambda: sv.review_return(revision=signed, by=supervisor, feedback="Too late."),
    ]

    for refusal in refusals:
        with pytest.raises(services.TransitionError):
            refusal()

    assert revision_state(signed) == before
    assert evidence.events.count() == events


def test_an_attachment_of_a_signed_revision_cannot_be_removed(
    practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    attachment = services.attachment_add(
        evidence=evidence, upload=SimpleUploadedFile("photo.png", png_bytes()), by=practitioner
    )
    revision = submit(evidence, supervision)
    sv.review_sign_off(revision=revision, by=supervisor, declared=True)

    with pytest.raises(services.TransitionError, match="are kept"):
        services.attachment_remove(attachment=attachment, by=practitioner)

    assert list(fresh(revision).attachments.all()) == [attachment]


def test_relinking_or_confirming_after_sign_off_only_touches_the_new_revision(
    practitioner, signed
) -> None:  # type: ignore[no-untyped-def]
    before = revision_state(signed)
    framework = practitioner.portfolio.framework

    new = services.evidence_update(
        evidence=signed.evidence,
        data=services.EvidenceInput(
            title="With a flagged number",
            date=dt.date(2025, 6, 1),
            details={**REFLECTION, "what_happened": f"NHS number {NHS_NUMBER}."},
            links=[services.LinkInput(competency=comp(framework, "1.01"), rationale="Changed.")],
        ),
        by=practitioner,
        confirm_no_identifiers=True,
    )

    assert new.pk != signed.pk
    assert new.confidentiality_confirmed_at is not None
    assert [(lk.rationale, lk.accepted) for lk in new.links.all()] == [("Changed.", None)]
    assert revision_state(signed) == before


def test_uploading_to_a_signed_revision_is_409(client, practitioner, signed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)

    response = client.post(
        f"/portfolio/evidence/{signed.evidence_id}/attachments/",
        {"file": SimpleUploadedFile("late.png", png_bytes())},
    )

    assert response.status_code == 409
    assert "Attachments can only be added to a draft." in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_stale_edit_tab_posted_after_sign_off_leaves_the_signed_revision(
    client, practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    # Tab 1 opens the edit form while the item is a draft …
    page = client.get(f"/portfolio/evidence/{evidence.pk}/edit/")
    form, links = page.context["form"], page.context["links"]
    stale = {
        **{k: v for k, v in form.initial.items() if k != "date"},
        "date": form.initial["date"].isoformat(),
        **link_rows([(row["competency"], row["rationale"]) for row in links.initial]),
        "title": "Typed in the old tab",
    }
    # … tab 2 submits it and the supervisor signs it off …
    revision = submit(evidence, supervision)
    sv.review_sign_off(revision=revision, by=supervisor, declared=True)
    before = revision_state(revision)

    response = client.post(f"/portfolio/evidence/{evidence.pk}/edit/", stale)

    assert response.status_code == 302
    assert revision_state(revision) == before
    assert fresh(evidence).current.number == 2


def test_a_stale_edit_tab_posted_while_submitted_is_refused(
    client, practitioner, supervision
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    assert client.get(f"/portfolio/evidence/{evidence.pk}/edit/").status_code == 200
    revision = submit(evidence, supervision)
    before = revision_state(revision)
    framework = practitioner.portfolio.framework

    response = client.post(
        f"/portfolio/evidence/{evidence.pk}/edit/",
        edit_post("Typed in the old tab", [(comp(framework, "1.01"), "Old tab.")]),
    )

    assert response.status_code == 302
    assert revision_state(revision) == before
    assert evidence.revisions.count() == 1


def test_the_admin_cannot_change_supervisions_reviews_or_revisions(client, staff, signed) -> None:  # type: ignore[no-untyped-def]
    supervision = signed.submitted_to
    review = signed.review
    before = (revision_state(signed), supervision_state(supervision))
    force_login_with_mfa(client, staff)

    for model in (Supervision, Review):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(mock.Mock(user=staff))
        assert not model_admin.has_delete_permission(mock.Mock(user=staff))
    assert EvidenceRevision not in admin.site._registry  # only a read-only inline of Evidence
    view = client.get(f"/admin/supervision/supervision/{supervision.pk}/change/")
    answers = [
        client.post(
            f"/admin/supervision/supervision/{supervision.pk}/change/",
            {"status": "ended", "invitee_email": "changed@example.org"},
        ),
        client.post(f"/admin/supervision/review/{review.pk}/change/", {"outcome": "returned"}),
        client.post(f"/admin/supervision/review/{review.pk}/delete/", {"post": "yes"}),
        client.post(
            f"/admin/portfolios/evidence/{signed.evidence_id}/change/",
            {"revisions-0-title": "Changed by admin", "revisions-0-id": str(signed.pk)},
        ),
        client.post(
            "/admin/supervision/supervision/",
            {"action": "delete_selected", "_selected_action": [str(supervision.pk)]},
        ),
    ]

    assert view.status_code == 200
    assert supervision.token_hash not in view.content.decode()
    assert [a.status_code for a in answers[:4]] == [403, 403, 403, 403]
    assert (revision_state(signed), supervision_state(supervision)) == before
    assert Supervision.objects.filter(pk=supervision.pk).exists()


# --- 4. Races -----------------------------------------------------------------------------


def test_a_double_sign_off_makes_one_review(practitioner, supervisor, submitted) -> None:  # type: ignore[no-untyped-def]
    first_click, second_click = fresh(submitted), fresh(submitted)

    sv.review_sign_off(revision=first_click, by=supervisor, declared=True)
    with pytest.raises(services.TransitionError, match="already been reviewed"):
        sv.review_sign_off(revision=second_click, by=supervisor, declared=True)

    assert Review.objects.filter(revision=submitted).count() == 1
    assert submitted.evidence.events.filter(action=Action.SIGNED_OFF).count() == 1
    assert practitioner.notifications.filter(text__contains="signed off").count() == 1


def test_a_double_click_on_sign_off_answers_409_the_second_time(
    client, supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(supervisor)
    url = f"/supervision/reviews/{submitted.pk}/"
    data = sign_off_form(submitted)

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == 302
    assert second.status_code == 409
    assert "This item has already been reviewed; nothing was changed." in second.content.decode()
    assert Review.objects.count() == 1


@pytest.mark.parametrize("first", ["sign_off", "return"])
def test_sign_off_and_return_racing_make_one_decision(client, supervisor, submitted, first) -> None:  # type: ignore[no-untyped-def]
    other_tab = fresh(submitted)
    sign_off = sign_off_form(submitted)
    give_back = {"action": "return", "feedback": "Please add what you will do next."}
    client.force_login(supervisor)
    url = f"/supervision/reviews/{submitted.pk}/"
    assert client.post(url, sign_off if first == "sign_off" else give_back).status_code == 302
    before = revision_state(submitted)

    with pytest.raises(services.TransitionError, match="already been reviewed"):
        if first == "sign_off":
            sv.review_return(revision=other_tab, by=supervisor, feedback="Too late")
        else:
            sv.review_sign_off(revision=other_tab, by=supervisor, declared=True)
    response = client.post(url, give_back if first == "sign_off" else sign_off)

    assert response.status_code == 409
    assert revision_state(submitted) == before
    (review,) = Review.objects.all()
    assert review.outcome == (Review.Outcome.SIGNED_OFF if first == "sign_off" else "returned")


def test_another_supervisor_of_the_practitioner_cannot_decide(
    client, practitioner, supervisor, second_supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    make_supervision(practitioner.portfolio, second_supervisor)
    before = revision_state(submitted)
    client.force_login(second_supervisor)

    with pytest.raises(services.TransitionError, match="not waiting for your review"):
        sv.review_sign_off(revision=fresh(submitted), by=second_supervisor, declared=True)
    response = client.post(f"/supervision/reviews/{submitted.pk}/", sign_off_form(submitted))

    assert response.status_code == 404
    assert revision_state(submitted) == before
    sv.review_sign_off(revision=fresh(submitted), by=supervisor, declared=True)
    assert Review.objects.get().reviewer == supervisor


def test_a_sign_off_racing_an_end_and_resubmission_does_not_land(
    practitioner, supervisor, second_supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    """The review page was loaded; then the supervision ended and the item went elsewhere."""
    loaded = EvidenceRevision.objects.select_related("submitted_to").get(pk=submitted.pk)
    sv.supervision_end(supervision=fresh(submitted.submitted_to), by=practitioner)
    elsewhere = make_supervision(practitioner.portfolio, second_supervisor)
    submit(submitted.evidence, elsewhere)

    with contextlib.suppress(services.TransitionError):
        sv.review_sign_off(revision=loaded, by=supervisor, declared=True)

    row = fresh(submitted)
    assert (row.status, row.submitted_to) == (Status.SUBMITTED, elsewhere)
    assert not Review.objects.exists()


def test_ending_a_supervision_returns_waiting_items_to_draft(
    client, practitioner, supervisor, supervision, signed, after_commit
) -> None:  # type: ignore[no-untyped-def]
    waiting = [
        submit(make_evidence(practitioner.portfolio, title=f"Waiting {n}"), supervision)
        for n in (1, 2)
    ]
    signed_before = revision_state(signed)
    client.force_login(practitioner)

    with after_commit():
        response = client.post(f"/supervision/supervisors/{supervision.pk}/end/")

    assert said(response) == ["Supervision ended."]
    assert fresh(supervision).status == SStatus.ENDED
    for revision in waiting:
        row = fresh(revision)
        assert (row.status, row.submitted_to, row.submitted_at) == (Status.DRAFT, None, None)
        event = row.events.last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            Action.RETURNED,
            Status.SUBMITTED,
            Status.DRAFT,
            practitioner,
        )
    assert revision_state(signed) == signed_before
    notice = practitioner.notifications.filter(text__contains="has ended").get()
    assert "2 items waiting for review are back with you as drafts" in notice.text
    assert supervisor.notifications.filter(text="Pat Practitioner ended your supervision.")
    assert [m.to for m in mail.outbox] == [[practitioner.email], [supervisor.email]]
    with pytest.raises(services.TransitionError):
        sv.review_sign_off(revision=waiting[0], by=supervisor, declared=True)


def test_ending_with_nothing_waiting_tells_only_the_supervisor(
    practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    sv.supervision_end(supervision=supervision, by=practitioner)

    assert not practitioner.notifications.filter(text__contains="has ended").exists()
    assert supervisor.notifications.filter(text__contains="ended your supervision").exists()


def test_an_item_returned_by_an_ending_can_go_to_another_supervisor(
    practitioner, supervisor, second_supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    sv.supervision_end(supervision=fresh(submitted.submitted_to), by=practitioner)
    other = make_supervision(practitioner.portfolio, second_supervisor)

    again = submit(submitted.evidence, other)

    assert (again.pk, again.status, again.submitted_to) == (submitted.pk, Status.SUBMITTED, other)


# --- 5. Reviewing -------------------------------------------------------------------------


def test_sign_off_with_unticked_links_accepts_only_the_ticked(
    client, practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, codes=("1.01", "1.02", "2.01"))
    revision = submit(evidence, supervision)
    kept = list(revision.links.filter(competency__code__in=["1.01", "2.01"]))
    client.force_login(supervisor)

    response = client.post(
        f"/supervision/reviews/{revision.pk}/",
        {"action": "sign_off", "declaration": "on", "accepted": [str(lk.pk) for lk in kept]},
    )

    assert response.status_code == 302
    accepted = dict(revision.links.values_list("competency__code", "accepted"))
    assert accepted == {"1.01": True, "1.02": False, "2.01": True}
    review = Review.objects.get(revision=revision)
    assert (review.outcome, review.level, review.reviewer) == ("signed_off", 2, supervisor)
    assert "at Level 2." in review.declaration
    assert fresh(revision).signed_off_level == 2
    assert evidence.events.last().detail == "at Level 2; 2 of 3 competencies accepted"


def test_the_declaration_names_the_practitioners_level(
    client, other_practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    supervision = make_supervision(other_practitioner.portfolio, supervisor)  # target level 1
    revision = submit(make_evidence(other_practitioner.portfolio), supervision)
    client.force_login(supervisor)

    page = client.get(f"/supervision/reviews/{revision.pk}/")
    sv.review_sign_off(revision=revision, by=supervisor, declared=True)

    assert sv.declaration_text(1) in page.content.decode()
    assert Review.objects.get().declaration == sv.declaration_text(1)
    assert "Level 1" in sv.declaration_text(1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "sign_off"}, "Tick the declaration to sign off."),
        (
            {"action": "sign_off", "declaration": "on", "accepted": []},
            "Keep at least one competency ticked, or return the item instead.",
        ),
        ({"action": "return", "feedback": ""}, "Say what needs to change before returning"),
        ({"action": "return", "feedback": "   \n "}, "Say what needs to change before returning"),
        ({"action": "approve"}, "Choose to sign off or to return the item."),
    ],
)
def test_an_incomplete_review_is_refused_with_a_message(
    client, supervisor, submitted, data, message
) -> None:  # type: ignore[no-untyped-def]
    before = revision_state(submitted)
    client.force_login(supervisor)

    response = client.post(f"/supervision/reviews/{submitted.pk}/", data)

    assert response.status_code in (400, 409)
    assert escape(message) in response.content.decode()
    assert revision_state(submitted) == before
    assert not Review.objects.exists()


def test_the_return_service_refuses_blank_feedback(supervisor, submitted) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.TransitionError, match="Say what needs to change"):
        sv.review_return(revision=submitted, by=supervisor, feedback=" \t\n")

    assert fresh(submitted).status == Status.SUBMITTED


def test_a_return_keeps_the_feedback_and_shows_it_to_the_practitioner(
    client, practitioner, supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(supervisor)
    client.post(
        f"/supervision/reviews/{submitted.pk}/",
        {"action": "return", "feedback": "Say what you noticed in the baby."},
    )
    client.force_login(practitioner)

    page = client.get(f"/portfolio/evidence/{submitted.evidence_id}/")

    review = Review.objects.get(revision=submitted)
    assert (review.outcome, review.feedback, review.level) == (
        Review.Outcome.RETURNED,
        "Say what you noticed in the baby.",
        None,
    )
    assert fresh(submitted).status == Status.RETURNED
    assert "Say what you noticed in the baby." in page.content.decode()


def test_bulk_sign_off_makes_one_review_per_item(
    client, practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    revisions = [
        submit(make_evidence(practitioner.portfolio, title=f"Item {n}"), supervision)
        for n in range(3)
    ]
    ids = [str(r.pk) for r in revisions]
    client.force_login(supervisor)

    first = client.post("/supervision/reviews/bulk/", {"revision": ids, "declaration": "on"})
    again = client.post("/supervision/reviews/bulk/", {"revision": ids, "declaration": "on"})

    assert said(first) == ["Signed off 3 items."]
    assert len(said(again)) == 3
    assert all("already been reviewed" in m for m in said(again))
    assert sorted(Review.objects.values_list("revision_id", flat=True)) == sorted(
        r.pk for r in revisions
    )
    assert set(EvidenceLink.objects.values_list("accepted", flat=True)) == {True}


def test_bulk_sign_off_needs_the_declaration(client, supervisor, submitted) -> None:  # type: ignore[no-untyped-def]
    client.force_login(supervisor)

    response = client.post("/supervision/reviews/bulk/", {"revision": [str(submitted.pk)]})

    # The queue comes back with the error and the item still ticked (see test_queue.py).
    assert response.status_code == 400
    assert "Tick the declaration to sign off the selected items." in response.content.decode()
    assert fresh(submitted).status == Status.SUBMITTED


def test_bulk_sign_off_with_an_item_not_sent_to_you_signs_nothing(
    client, practitioner, other_practitioner, supervisor, submitted
) -> None:  # type: ignore[no-untyped-def]
    not_yours = make_evidence(other_practitioner.portfolio)  # a draft of someone else
    client.force_login(supervisor)

    response = client.post(
        "/supervision/reviews/bulk/",
        {"revision": [str(submitted.pk), str(not_yours.current_id)], "declaration": "on"},
    )

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_a_competency_counts_as_signed_off_only_through_an_accepted_sign_off(
    practitioner, supervisor, supervision
) -> None:  # type: ignore[no-untyped-def]
    portfolio = practitioner.portfolio
    returned = submit(make_evidence(portfolio, codes=("2.01",)), supervision)
    sv.review_return(revision=returned, by=supervisor, feedback="Not yet.")
    revision = submit(make_evidence(portfolio, codes=("1.01", "1.02")), supervision)
    assert status_of(portfolio, "1.01") != CompetencyStatus.SIGNED_OFF  # submitted only

    accepted = revision.links.get(competency__code="1.01")
    sv.review_sign_off(
        revision=revision, by=supervisor, accepted_link_ids=[accepted.pk], declared=True
    )

    assert status_of(portfolio, "1.01") == CompetencyStatus.SIGNED_OFF
    assert status_of(portfolio, "1.02") != CompetencyStatus.SIGNED_OFF  # unticked
    assert status_of(portfolio, "2.01") != CompetencyStatus.SIGNED_OFF  # returned
    assert status_of(portfolio, "1.01", level=1) == CompetencyStatus.SIGNED_OFF  # 2 ≥ 1
    assert status_of(portfolio, "1.01", level=3) != CompetencyStatus.SIGNED_OFF  # 2 < 3
    # A new draft revision does not undo what was signed off.
    services.evidence_update(
        evidence=revision.evidence,
        data=services.EvidenceInput(title="Next", date=dt.date(2025, 6, 1), details=REFLECTION),
        by=practitioner,
    )
    assert status_of(portfolio, "1.01") == CompetencyStatus.SIGNED_OFF


# --- 6. Notifications ---------------------------------------------------------------------


def test_accepting_notifies_the_practitioner_in_app_and_by_email(
    client, invited, practitioner, supervisor, after_commit
) -> None:  # type: ignore[no-untyped-def]
    _, token = invited
    client.force_login(supervisor)

    with after_commit():
        client.post(invitation_url(token), {"action": "accept"})

    text = "Sam Supervisor accepted your invitation to be your clinical supervisor."
    assert practitioner.notifications.get().text == text
    (message,) = emails_to(practitioner.email)
    assert message.subject == f"[IMH CPD] {text}"
    assert "/supervision/supervisors/" in message.body


def test_each_review_step_notifies_the_other_person(
    client, practitioner, supervisor, supervision, after_commit
) -> None:  # type: ignore[no-untyped-def]
    first = make_evidence(practitioner.portfolio, title="First visit")
    second = make_evidence(practitioner.portfolio, title="Second visit")

    with after_commit():
        one = submit(first, supervision)
        two = submit(second, supervision)
    to_supervisor = emails_to(supervisor.email)
    with after_commit():
        sv.review_sign_off(revision=one, by=supervisor, declared=True)
        sv.review_return(revision=two, by=supervisor, feedback="More detail, please.")
    to_practitioner = emails_to(practitioner.email)

    assert [m.subject for m in to_supervisor] == [
        "[IMH CPD] Pat Practitioner submitted “First visit” for your review.",
        "[IMH CPD] Pat Practitioner submitted “Second visit” for your review.",
    ]
    assert f"/supervision/reviews/{one.pk}/" in to_supervisor[0].body
    assert [m.subject for m in to_practitioner] == [
        "[IMH CPD] Sam Supervisor signed off “First visit” at Level 2.",
        "[IMH CPD] Sam Supervisor returned “Second visit” with feedback.",
    ]
    assert f"/portfolio/evidence/{second.pk}/" in to_practitioner[1].body
    assert supervisor.notifications.count() == 2
    assert practitioner.notifications.filter(text__contains="visit").count() == 2


def test_comments_notify_the_other_side(
    client, practitioner, supervisor, submitted, after_commit
) -> None:  # type: ignore[no-untyped-def]
    evidence_pk = submitted.evidence_id

    client.force_login(supervisor)
    with after_commit():
        by_supervisor = client.post(
            f"/supervision/evidence/{evidence_pk}/comments/", {"body": "Lovely detail."}
        )
    client.force_login(practitioner)
    with after_commit():
        by_practitioner = client.post(
            f"/supervision/evidence/{evidence_pk}/comments/", {"body": "Thank you."}
        )
    empty = client.post(f"/supervision/evidence/{evidence_pk}/comments/", {"body": "  "})

    assert by_supervisor["Location"] == f"/supervision/evidence/{evidence_pk}/#comments"
    assert by_practitioner["Location"] == f"/portfolio/evidence/{evidence_pk}/#comments"
    assert [m.subject for m in emails_to(practitioner.email)] == [
        "[IMH CPD] Sam Supervisor commented on “A home visit”."
    ]
    assert [m.subject for m in emails_to(supervisor.email)] == [
        "[IMH CPD] Pat Practitioner commented on “A home visit”."
    ]
    assert said(empty) == ["Write a comment first."]
    assert list(submitted.evidence.comments.values_list("body", flat=True)) == [
        "Lovely detail.",
        "Thank you.",
    ]


def test_the_notification_list_unread_count_and_mark_read(
    client, practitioner, other_practitioner, signed
) -> None:  # type: ignore[no-untyped-def]
    notifications.notify(other_practitioner, "Not for the practitioner.")
    client.force_login(practitioner)
    unread = practitioner.notifications.filter(read_at__isnull=True).count()
    assert unread == 2  # accepted, signed off

    before = client.get("/portfolio/").content.decode()
    page = client.get("/supervision/notifications/").content.decode()
    after = client.get("/supervision/notifications/").content.decode()

    assert f'data-testid="unread-count">{unread}<' in before
    # Shown is seen: the page marks what it lists read, so its own count is gone, but this
    # once the entries still say they are new.
    assert 'data-testid="unread-count"' not in page
    assert page.count(">New</strong>") == 2
    assert "signed off “A home visit” at Level 2." in page
    assert "Not for the practitioner." not in page
    assert ">New</strong>" not in after
    assert not practitioner.notifications.filter(read_at__isnull=True).exists()
    assert other_practitioner.notifications.get().read_at is None


def test_with_emails_off_a_notification_is_still_made(
    client, practitioner, supervisor, submitted, after_commit
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    # The email box unticked (a browser sends nothing for it), the digest box ticked.
    saved = client.post("/supervision/preferences/", {"weekly_digest": "on"})
    assert saved.status_code == 302
    assert not practitioner.notification_preference.email_each_event

    with after_commit():
        sv.review_sign_off(revision=submitted, by=supervisor, declared=True)

    assert practitioner.notifications.filter(text__contains="signed off").exists()
    assert emails_to(practitioner.email) == []


def test_a_digest_supervisor_gets_no_email_per_submission(
    practitioner, supervisor, supervision, after_commit
) -> None:  # type: ignore[no-untyped-def]
    prefs(supervisor, weekly_digest=True)

    with after_commit():
        submit(make_evidence(practitioner.portfolio), supervision)

    assert supervisor.notifications.filter(text__contains="submitted").exists()
    assert emails_to(supervisor.email) == []


# --- 7. Weekly digest ---------------------------------------------------------------------


def digests(to: str) -> list[mail.EmailMessage]:
    return [m for m in emails_to(to) if "waiting for your review" in m.subject]


def test_the_digest_goes_once_per_iso_week(
    practitioner, supervisor, supervision, after_commit
) -> None:  # type: ignore[no-untyped-def]
    prefs(supervisor, weekly_digest=True)
    with time_machine.travel(MONDAY_7AM - dt.timedelta(days=3), tick=False) as t:
        submit(make_evidence(practitioner.portfolio, title="Waiting item"), supervision)
        sent = []
        for moment in (
            MONDAY_7AM,
            MONDAY_7AM + dt.timedelta(days=2),  # Wednesday, same week
            MONDAY_7AM + dt.timedelta(days=6, hours=16, minutes=59),  # Sunday 23:59
            MONDAY_7AM + dt.timedelta(days=7),  # the next Monday
        ):
            t.move_to(moment)
            with after_commit():
                sent.append(notifications.send_weekly_digests())

    assert sent == [1, 0, 0, 1]
    first, second = digests(supervisor.email)
    assert first.subject == "[IMH CPD] IMH CPD: 1 item waiting for your review"
    assert "- Pat Practitioner: Waiting item (waiting since 27 February 2026)" in first.body
    assert "/supervision/" in first.body
    assert second.body == first.body
    assert list(DigestSent.objects.values_list("week", flat=True)) == ["2026-W10", "2026-W11"]


def test_no_digest_before_monday_7am(practitioner, supervisor, supervision, after_commit) -> None:  # type: ignore[no-untyped-def]
    prefs(supervisor, weekly_digest=True)
    submit(make_evidence(practitioner.portfolio), supervision)

    with time_machine.travel(MONDAY_7AM - dt.timedelta(minutes=1), tick=False) as t:
        with after_commit():
            early = notifications.send_weekly_digests()
        t.move_to(MONDAY_7AM)
        with after_commit():
            on_time = notifications.send_weekly_digests()

    assert (early, on_time) == (0, 1)
    assert len(digests(supervisor.email)) == 1


def test_the_digest_goes_only_to_opted_in_supervisors_with_waiting_items(
    practitioner, other_practitioner, supervisor, second_supervisor, after_commit
) -> None:  # type: ignore[no-untyped-def]
    idle = UserFactory(email="idle.supervisor@example.org", full_name="Ida Idle")
    mine = make_supervision(practitioner.portfolio, supervisor)
    theirs = make_supervision(other_practitioner.portfolio, second_supervisor)
    make_supervision(practitioner.portfolio, idle)
    prefs(supervisor, weekly_digest=True)
    prefs(idle, weekly_digest=True)  # opted in, nothing waiting
    prefs(second_supervisor, weekly_digest=False)  # things waiting, not opted in
    submit(make_evidence(practitioner.portfolio, title="For Sam"), mine)
    submit(make_evidence(other_practitioner.portfolio, title="For Sky"), theirs)
    done = submit(make_evidence(practitioner.portfolio, title="Already signed"), mine)
    sv.review_sign_off(revision=done, by=supervisor, declared=True)

    with time_machine.travel(MONDAY_7AM, tick=False), after_commit():
        assert notifications.send_weekly_digests() == 1

    (digest,) = digests(supervisor.email)
    assert "For Sam" in digest.body
    assert "For Sky" not in digest.body
    assert "Already signed" not in digest.body
    assert digests(idle.email) == digests(second_supervisor.email) == []


def test_the_beat_task_runs_the_digest(practitioner, supervisor, supervision, after_commit) -> None:  # type: ignore[no-untyped-def]
    from portfolios.supervision.tasks import send_weekly_digests

    prefs(supervisor, weekly_digest=True)
    submit(make_evidence(practitioner.portfolio), supervision)

    with time_machine.travel(MONDAY_7AM, tick=False), after_commit():
        assert send_weekly_digests.delay().get() == 1
        assert send_weekly_digests.delay().get() == 0  # a second beat run in the same week

    assert len(digests(supervisor.email)) == 1


# --- 8. Audit -----------------------------------------------------------------------------


def test_each_supervision_transition_is_recorded(practitioner, supervisor, stranger) -> None:  # type: ignore[no-untyped-def]
    portfolio = practitioner.portfolio
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    with time_machine.travel(start, tick=False) as t:
        accepted = sv.supervision_invite(
            portfolio=portfolio, name="Sam", email=supervisor.email, role="mentor", by=practitioner
        )
        t.shift(dt.timedelta(hours=2))
        sv.supervision_resend(supervision=accepted, by=practitioner)
        sv.supervision_accept(supervision=fresh(accepted), user=supervisor)
        sv.supervision_end(supervision=fresh(accepted), by=practitioner)
        declined = sv.supervision_invite(
            portfolio=portfolio, name="No", email=stranger.email, role="mentor", by=practitioner
        )
        sv.supervision_decline(supervision=declined, user=stranger)
        cancelled = sv.supervision_invite(
            portfolio=portfolio,
            name="Gone",
            email="gone@example.org",
            role="mentor",
            by=practitioner,
        )
        sv.supervision_cancel(supervision=cancelled, by=practitioner)

    def trail(supervision: Supervision) -> list[tuple[str, str, object]]:
        return [(e.from_status, e.to_status, e.actor) for e in supervision.events.all()]

    assert trail(accepted) == [
        ("", SStatus.INVITED, practitioner),
        (SStatus.INVITED, SStatus.INVITED, practitioner),
        (SStatus.INVITED, SStatus.ACTIVE, supervisor),
        (SStatus.ACTIVE, SStatus.ENDED, practitioner),
    ]
    assert accepted.events.first().detail == "invitation sent to supervisor@example.org"
    assert trail(declined)[-1] == (SStatus.INVITED, SStatus.DECLINED, stranger)
    assert trail(cancelled)[-1] == (SStatus.INVITED, SStatus.CANCELLED, practitioner)
    assert SupervisionEvent.objects.count() == 8


def test_each_evidence_transition_is_recorded(practitioner, supervisor, submitted) -> None:  # type: ignore[no-untyped-def]
    evidence = submitted.evidence
    sv.review_return(revision=submitted, by=supervisor, feedback="Add your next steps.")
    second = services.evidence_update(
        evidence=evidence,
        data=services.EvidenceInput(
            title="With next steps",
            date=dt.date(2025, 6, 1),
            details=REFLECTION,
            links=[
                services.LinkInput(
                    competency=comp(practitioner.portfolio.framework, "1.01"), rationale="Yes."
                )
            ],
        ),
        by=practitioner,
    )
    submit(evidence, submitted.submitted_to)
    sv.review_sign_off(revision=fresh(second), by=supervisor, declared=True)

    trail = [
        (e.action, e.from_status, e.to_status, e.actor, e.revision_id)
        for e in evidence.events.all()
    ]
    assert trail == [
        (Action.CREATED, "", Status.DRAFT, practitioner, submitted.pk),
        (Action.SUBMITTED, Status.DRAFT, Status.SUBMITTED, practitioner, submitted.pk),
        (Action.RETURNED, Status.SUBMITTED, Status.RETURNED, supervisor, submitted.pk),
        (Action.NEW_REVISION, Status.RETURNED, Status.DRAFT, practitioner, second.pk),
        (Action.SUBMITTED, Status.DRAFT, Status.SUBMITTED, practitioner, second.pk),
        (Action.SIGNED_OFF, Status.SUBMITTED, Status.SIGNED_OFF, supervisor, second.pk),
    ]
    assert evidence.events.get(action=Action.RETURNED).detail == "Add your next steps."


def test_the_history_is_shown_to_the_practitioner_and_the_supervisor(
    client, practitioner, supervisor, signed
) -> None:  # type: ignore[no-untyped-def]
    lines = [
        "Submitted for review (revision 1) by Pat Practitioner",
        "Signed off (revision 1) by Sam Supervisor",
    ]

    client.force_login(practitioner)
    own = client.get(f"/portfolio/evidence/{signed.evidence_id}/").content.decode()
    client.force_login(supervisor)
    review = client.get(f"/supervision/reviews/{signed.pk}/").content.decode()

    for line in lines:
        assert line in own
        assert line in review


# --- Limits -------------------------------------------------------------------------------


def test_a_long_title_and_name_still_make_a_valid_notification(framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    long_name = UserFactory(email="long.name@example.org", full_name="Pat " + "Longname" * 18)
    make_portfolio(long_name, framework)
    supervision = make_supervision(long_name.portfolio, supervisor)
    evidence = make_evidence(long_name.portfolio, title="T" * 200)

    submit(evidence, supervision)

    limit = Notification._meta.get_field("text").max_length
    assert all(len(text) <= limit for text in Notification.objects.values_list("text", flat=True))
