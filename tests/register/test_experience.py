"""The register as issue 12 shaped it: refusals in the services (not eligible, a level already
held, renewal before its window), the task list, "check your answers", the confirmation after
submitting, withdrawal behind its own step, history in words, and the administrators'
confirmation step before approving or rejecting."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from imhcpd.models import User
from portfolios.services import TransitionError
from portfolios.supervision.services import supervision_end
from register import selectors, services
from register.models import Application, RegisterEntry
from tests.register.drafts import draft_application
from tests.register.test_register import (
    _entry,
    _fast_pdf,  # noqa: F401  (autouse: no real PDF render)
)

pytestmark = pytest.mark.django_db
Status = Application.Status
APPLY = "/register/apply/"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text with tags dropped and spaces collapsed, as a reader meets it."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Refusals in the services ---------------------------------------------------------------


def test_an_ineligible_person_cannot_start_and_is_told_why(
    client: Client, practitioner: User
) -> None:
    with pytest.raises(services.NotEligible) as refused:
        services.application_start(user=practitioner, level=2)
    message = str(refused.value)
    assert message.startswith("You cannot apply at Level 2 yet.")
    assert "63 competencies still need evidence signed off by a supervisor at Level 2" in message
    assert "You have no active supervisor" in message
    client.force_login(practitioner)
    forced = client.post(APPLY, {"action": "start", "level": "2"})
    assert forced.status_code == 403
    assert "You cannot apply at Level 2 yet." in forced.content.decode()
    assert not Application.objects.exists()
    # The page says why at each level and offers no start button.
    page = _text(client.get(APPLY))
    assert "You cannot apply yet" in page
    assert "63 competencies still need evidence signed off by a supervisor at Level 2" in page
    assert "Start an application" not in page


def test_an_application_no_longer_eligible_cannot_be_submitted(  # type: ignore[no-untyped-def]
    client: Client, prepare, practitioner: User
) -> None:
    app = prepare()
    assert services.submission_problems(app) == []
    supervision_end(supervision=practitioner.portfolio.supervisions.active().get(), by=practitioner)
    with pytest.raises(TransitionError, match="You are not yet eligible at Level 2: You have no"):
        services.application_submit(application=app, by=practitioner)
    client.force_login(practitioner)
    check = client.get(reverse("register:apply_check"))
    assert check.status_code == 200
    assert "You cannot submit yet" in check.content.decode()
    assert "Submit my application" not in check.content.decode()
    forced = client.post(reverse("register:apply_check"), {"action": "submit"})
    assert forced.status_code == 409
    assert "You are not yet eligible at Level 2" in forced.content.decode()
    app.refresh_from_db()
    assert app.status == Status.DRAFT
    assert not app.snapshots.exists()


def test_no_second_application_at_a_level_already_held(client: Client, practitioner: User) -> None:
    entry = _entry("Pat Practitioner", user=practitioner, level=2)
    for level in (2, 1):
        with pytest.raises(services.NotEligible, match="already on the register at Level 2"):
            services.application_start(user=practitioner, level=level)
    assert (
        "which covers Level 1"
        in selectors.start_refusals(practitioner, practitioner.portfolio, 1)[0]
    )
    # Level 3 is not held: its refusal is eligibility, not the entry.
    assert "already on the register" not in " ".join(
        selectors.start_refusals(practitioner, practitioner.portfolio, 3)
    )
    # A draft from before the approval cannot be submitted at the level now held.
    app = draft_application(practitioner, 2)
    assert services.submission_problems(app)[0].startswith(
        f"You are already on the register at Level 2 ({entry.number}"
    )
    client.force_login(practitioner)
    app.delete()
    page = _text(client.get(APPLY))
    assert "You are on the register at this level" in page
    assert "Renew that entry instead of applying again." in page
    # A lapsed entry is no longer held: applying again is the way back.
    RegisterEntry.objects.filter(pk=entry.pk).update(status=RegisterEntry.Status.LAPSED)
    assert selectors.held_entry(practitioner, 2) is None


def test_no_renewal_before_the_window_and_the_page_says_when(
    client: Client, practitioner: User, settings
) -> None:  # type: ignore[no-untyped-def]
    today = dt.date(2027, 1, 20)
    entry = _entry("Pat Practitioner", user=practitioner, valid_to=today + dt.timedelta(days=61))
    keys = list(services.RENEWAL_DECLARATIONS)
    with time_machine.travel(dt.datetime(2027, 1, 20, 9, tzinfo=dt.UTC), tick=False):
        with pytest.raises(TransitionError, match="Renewal opens on 21 January 2027, 60 days"):
            services.entry_renew(entry=entry, by=practitioner, keys=keys)
        client.force_login(practitioner)
        page = client.get(APPLY).content.decode()
        assert "Renewal opens on <strong>21 January 2027</strong>, 60 days before" in page
        assert "Renew my entry" not in page
        # The window is a setting: at 90 days it is open today (the hours decide next).
        settings.REGISTER_RENEWAL_WINDOW_DAYS = 90
        assert "Renew my entry" in client.get(APPLY).content.decode()
        with pytest.raises(TransitionError, match="Renewal needs"):
            services.entry_renew(entry=entry, by=practitioner, keys=keys)
    entry.refresh_from_db()
    assert entry.valid_to == today + dt.timedelta(days=61)


# --- The applicant's pages ------------------------------------------------------------------


def test_the_application_is_a_task_list(client: Client, prepare, practitioner: User) -> None:  # type: ignore[no-untyped-def]
    prepare(declare=False, endorse=False, references=2, received=1)
    client.force_login(practitioner)
    html = client.get(APPLY).content.decode()
    rows = re.findall(
        r'data-task-status="(\w+)">\s*<div class="task-list__name">\s*(?:<a[^>]*>|<span>)([^<]+)<',
        html,
    )
    assert rows == [
        ("done", "Check your eligibility at Level 2"),
        ("not_started", "Make the declarations"),
        ("not_started", "Ask a supervisor to endorse your application"),
        ("in_progress", "Get two references"),
        ("cannot_start", "Check your answers and submit"),
    ]
    assert "1 of 2 received" in html
    assert reverse("register:apply_check") not in html


def test_check_your_answers_then_the_confirmation_panel(  # type: ignore[no-untyped-def]
    client: Client, prepare, practitioner: User, commit, settings
) -> None:
    settings.REGISTER_DECISION_WEEKS = 8
    app = prepare()
    client.force_login(practitioner)
    check = client.get(reverse("register:apply_check"))
    assert check.status_code == 200
    text = _text(check)
    assert "Check your answers before submitting your application" in text
    for key, url, label in (
        ("Eligibility", "register:apply_eligibility", "eligibility"),
        ("Declarations", "register:apply_declarations", "declarations"),
        ("Endorsement", "register:apply_endorsement", "endorsement"),
        ("References", "register:apply_references", "references"),
    ):
        assert key in text
        assert f'href="{reverse(url)}">Change<span class="visually-hidden"> {label}' in (
            check.content.decode()
        )
    assert "Endorsed by Sam Supervisor (clinical supervisor)" in text
    assert "Referee 1" in text and "Referee 2" in text
    assert "Submit my application" in text
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC), tick=False), commit():
        client.force_login(practitioner)  # a session from today would have expired
        response = client.post(reverse("register:apply_check"), {"action": "submit"})
    assert response.status_code == 302
    assert response.url == reverse("register:apply_submitted")
    with time_machine.travel(dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        page = client.get(response.url)
    text = _text(page)
    assert 'class="panel-confirmation"' in page.content.decode()
    assert "Application submitted" in text
    assert "Level 2 · submitted on 1 March 2027" in text
    assert "We aim to decide within 8 weeks, by 26 April 2027" in text
    assert "PDF" in text
    assert "SHA-256" not in text and app.snapshots.get().content_hash not in text
    # The hub now offers what happens next, and withdrawal only as a quiet link.
    hub = client.get(APPLY).content.decode()
    assert "What happens next" in hub
    assert 'value="withdraw"' not in hub
    assert reverse("register:apply_withdraw") in hub


def test_a_forced_submit_without_a_draft_is_refused(client: Client, practitioner: User) -> None:
    client.force_login(practitioner)
    assert client.get(reverse("register:apply_check")).status_code == 302
    forced = client.post(reverse("register:apply_check"), {"action": "submit"})
    assert forced.status_code == 409
    assert "You have no application in progress." in forced.content.decode()
    assert "Submit my application" not in forced.content.decode()


def test_withdrawing_is_a_step_of_its_own(  # type: ignore[no-untyped-def]
    client: Client, submitted, practitioner: User, supervisor: User
) -> None:
    client.force_login(practitioner)
    confirm = client.get(reverse("register:apply_withdraw"))
    assert confirm.status_code == 200
    assert "Are you sure you want to withdraw your application?" in confirm.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    done = client.post(reverse("register:apply_withdraw"), {"action": "withdraw"})
    assert done.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    # Nobody else can withdraw it, even through the service.
    with pytest.raises(TransitionError, match="Only the applicant"):
        services.application_withdraw(application=submitted, by=supervisor)


# --- The administrators' confirmation step ---------------------------------------------------


def test_approval_is_confirmed_on_a_page_that_says_what_is_approved(  # type: ignore[no-untyped-def]
    admin_web: Client, submitted, practitioner: User, commit
) -> None:
    url = reverse("register:admin_approve", args=[submitted.pk])
    review = admin_web.get(reverse("register:admin_application", args=[submitted.pk]))
    assert f'href="{url}?version=1"' in review.content.decode()
    assert 'value="approve"' not in review.content.decode()
    page = admin_web.get(url, {"version": "1"})
    assert page.status_code == 200
    text = _text(page)
    assert "Approve Pat Practitioner at Level 2?" in text
    for row in (
        "Applicant Pat Practitioner",
        "Level Level 2",
        "Snapshot Version 1, submitted",
        "Competencies signed off 63 of 63 at Level 2",
        "Evidence 7 items",
        "Endorsement Sam Supervisor (clinical supervisor)",
        "Referee 1",
        "Referee 2",
    ):
        assert row in text, row
    assert "Yes, approve and add to the register" in text
    assert not RegisterEntry.objects.exists()  # looking changes nothing
    # Only the deliberate second action approves, and only the version that was shown.
    assert admin_web.post(url).status_code == 400
    stale = admin_web.post(url, {"version": "2"})
    assert stale.status_code == 409
    assert "review that version before deciding" in stale.content.decode()
    assert not RegisterEntry.objects.exists()
    with commit():
        done = admin_web.post(url, {"version": "1"})
    assert done.status_code == 302
    entry = RegisterEntry.objects.get()
    followed = _text(admin_web.get(done.url))
    assert f"Approved: Pat Practitioner is on the register at Level 2 as {entry.number}" in followed
    # Decided: the confirmation page says so, with nothing to press.
    again = admin_web.get(url)
    assert again.status_code == 409
    assert "no longer waiting for a decision" in _text(again)
    # The applicant's history, in words.
    applicant = Client()
    applicant.force_login(practitioner)
    history = _text(applicant.get(APPLY))
    assert "Approved: you are on the IMH Recognition Register." in history
    assert "under_review" not in history and "→" not in history


def test_rejection_is_confirmed_with_its_reasons(  # type: ignore[no-untyped-def]
    admin_web: Client, submitted, practitioner: User
) -> None:
    url = reverse("register:admin_reject", args=[submitted.pk])
    page = admin_web.get(url)
    assert page.status_code == 200
    text = _text(page)
    assert "Reject the Level 2 application from Pat Practitioner?" in text
    assert "Evidence 7 items" in text
    assert "Reasons for not approving" in text
    refused = admin_web.post(url, {"reasons": ""})
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert admin_web.post(url, {"reasons": "Domain 6 needs more."}).status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_reasons) == (
        Status.REJECTED,
        "Domain 6 needs more.",
    )


def test_admin_queue_speaks_in_words_and_stacks_on_phones(admin_web: Client, submitted) -> None:  # type: ignore[no-untyped-def]
    html = admin_web.get("/register/admin/").content.decode()
    assert 'class="table table-stack"' in html
    assert "Waiting to be picked up" in html
    assert ">submitted<" not in html
    public = Client().get("/register/", {"q": "Pat"}).content.decode()
    assert 'class="table table-stack"' in public
