"""The register's main path through its services, start to finish."""

from __future__ import annotations

import re

import pytest

from register import selectors, services
from register.models import Application, Reference, RegisterEntry
from tests.factories import make_eligible

pytestmark = pytest.mark.django_db


def _token(mailoutbox, email: str) -> str:  # type: ignore[no-untyped-def]
    body = next(m.body for m in reversed(mailoutbox) if m.to == [email])
    return re.search(r"/register/references/([^/\s]+)/", body).group(1)


def test_apply_endorse_reference_request_info_answer_approve_and_find(  # type: ignore[no-untyped-def]
    client, practitioner, supervisor, register_admin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    supervision = make_eligible(practitioner, supervisor)
    assert selectors.is_eligible(practitioner.portfolio, 2)
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_start(user=practitioner, level=2)
        services.application_declare(
            application=app, keys=list(services.DECLARATIONS), by=practitioner
        )
        endorsement = services.endorsement_request(
            application=app, supervision=supervision, by=practitioner
        )
        services.endorsement_decide(
            endorsement=endorsement, by=supervisor, endorse=True, text="Thoughtful practice."
        )
        for n in (1, 2):
            services.reference_request(
                application=app,
                name=f"Referee {n}",
                email=f"referee{n}@example.org",
                by=practitioner,
            )
    for n in (1, 2):
        response = client.post(
            f"/register/references/{_token(mailoutbox, f'referee{n}@example.org')}/",
            {
                "referee_role": "Team leader",
                "relationship": "Colleague for 3 years",
                "statement": "Warm, attuned work with parents and babies.",
            },
        )
        assert response.status_code == 200, response.content
    assert app.references.filter(status=Reference.Status.RECEIVED).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.application_submit(application=app, by=practitioner)
    assert snapshot.version == 1
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED
    services.application_assign(application=app, admin=register_admin)
    services.application_request_info(
        application=app, admin=register_admin, questions="Which setting?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.info_answer(application=app, by=practitioner, answer="A family hub.")
    assert app.snapshots.count() == 2
    entry = services.application_approve(application=app, admin=register_admin)
    assert entry.number == f"IMHRR-{entry.valid_from.year}-{app.pk:06d}"
    page = client.get("/register/", {"q": "Pat"})
    assert entry.number in page.content.decode()
    assert RegisterEntry.objects.count() == 1
    # "Download my data" carries the register record and the application's PDF export.
    from portfolios.personal_data import personal_data

    data = personal_data(practitioner)
    assert data["register"]["entries"][0]["number"] == entry.number
    assert [a["status"] for a in data["register"]["applications"]] == ["Approved"]
    assert {e["kind"] for e in data["pdf_exports"]} == {"application"}


def test_register_decisions_are_emailed_even_to_someone_who_turned_event_emails_off(  # type: ignore[no-untyped-def]
    practitioner, register_admin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from portfolios.supervision.models import NotificationPreference

    NotificationPreference.objects.create(user=practitioner, email_each_event=False)
    app = Application.objects.create(
        applicant=practitioner,
        portfolio=practitioner.portfolio,
        level=2,
        status=Application.Status.SUBMITTED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            application=app, admin=register_admin, reasons="Domain 4 needs more evidence."
        )
    assert [m.subject for m in mailoutbox] == ["[IMH CPD] Your register application"]
    assert "Domain 4 needs more evidence." in mailoutbox[0].body
