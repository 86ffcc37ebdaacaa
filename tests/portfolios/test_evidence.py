"""Evidence through its views: each kind's form, links, the confidentiality check, revisions,
deletion, attachments and the list's query count.

Everything is posted over HTTP as a browser would, signed in as the `practitioner` persona.
All names, places and numbers are invented.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from competencies.models import Competency
from competencies.services import framework_import
from portfolios import confidentiality, services
from portfolios.evidence_kinds import KINDS
from portfolios.models import (
    Attachment,
    Evidence,
    EvidenceEvent,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
)
from portfolios.uploads import MAX_ATTACHMENTS_PER_ITEM
from tests.conftest import shipped_framework_data
from tests.factories import REFLECTION, make_evidence, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

Status = EvidenceRevision.Status
Action = EvidenceEvent.Action

PAST = "2025-06-01"
NHS_NUMBER = "943 476 5919"  # passes the modulus-11 check; invented for tests
POSTCODE = "AB1 2DE"

# What a practitioner might type into each kind's own fields (invented, no apostrophes so the
# text appears in the page exactly as typed).
KIND_DATA: dict[str, dict[str, str]] = {
    EvidenceKind.REFLECTIVE_ACCOUNT: dict(REFLECTION),
    EvidenceKind.CPD_ACTIVITY: {
        "hours": "3.25",
        "is_participatory": "on",
        "method": "course",
        "topic": "Repair in the first year",
        "provider": "Example Infant Mental Health Network",
        "learning": "How to notice and name moments of repair between parent and baby.",
        "learned": "Small ruptures repaired quickly matter more than avoiding them.",
        "impact": "I now point out repair to parents during visits.",
        "code_theme": "practise_effectively",
        "peer_reflection": "Discussed with a fellow health visitor; we now share one resource.",
    },
    EvidenceKind.SUPERVISION: {
        "hours": "1.5",
        "supervisor_name": "Dr A. Example",
        "format": "group",
        "themes": "Holding the baby in mind when the parent is struggling.",
        "learning": "To slow down and wonder aloud with the parent.",
    },
    EvidenceKind.FEEDBACK: {
        "source": "colleague",
        "summary": "A colleague said my running of the baby massage group felt calm and warm.",
        "reflection": "I will keep leaving pauses for parents to speak.",
    },
    EvidenceKind.OBSERVATION: {
        "observer_role": "Clinical supervisor",
        "summary": "Observed a new birth visit; feedback was to follow the parent lead more.",
        "learning": "Open questions early in the visit.",
    },
    EvidenceKind.CERTIFICATE: {
        "awarding_body": "Example Awarding Body",
        "description": "Ten sessions on observing infants in their families.",
    },
    EvidenceKind.OTHER: {
        "description": "A leaflet I wrote for parents about crying in the early weeks.",
    },
}


def required_fields(kind: str) -> set[str]:
    spec = KINDS[kind]
    names = {"title", "date", *(f.name for f in spec.details if f.required)}
    if spec.has_hours:
        names.add("hours")
    return names


def links_data(rows: Sequence[tuple[object, str]] = (), *, initial: int = 0) -> dict[str, str]:
    """The link formset's management form and rows, plus one blank row as the page sends."""
    data = {
        "links-TOTAL_FORMS": str(len(rows) + 1),
        "links-INITIAL_FORMS": str(initial),
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "63",
    }
    for i, (competency, rationale) in enumerate(rows):
        pk = competency.pk if isinstance(competency, Competency) else competency
        data[f"links-{i}-competency"] = str(pk)
        data[f"links-{i}-rationale"] = rationale
    return data


def evidence_post(
    kind: str = EvidenceKind.REFLECTIVE_ACCOUNT,
    *,
    links: Sequence[tuple[object, str]] = (),
    initial_links: int = 0,
    **fields: str,
) -> dict[str, str]:
    data = {"title": "A home visit", "date": PAST, **KIND_DATA[kind], **fields}
    return {**data, **links_data(links, initial=initial_links)}


def comp(framework, code: str) -> Competency:  # type: ignore[no-untyped-def]
    return Competency.objects.get(framework=framework, code=code)


def create_url(kind: str) -> str:
    return f"/portfolio/evidence/new/{kind}/"


def edit_url(evidence: Evidence) -> str:
    return f"/portfolio/evidence/{evidence.pk}/edit/"


def detail_url(evidence: Evidence) -> str:
    return f"/portfolio/evidence/{evidence.pk}/"


def upload_url(evidence: Evidence) -> str:
    return f"/portfolio/evidence/{evidence.pk}/attachments/"


def sign_off(evidence: Evidence) -> None:
    """What the supervision issue will do: the current revision becomes signed off."""
    EvidenceRevision.objects.filter(pk=evidence.current_id).update(
        status=Status.SIGNED_OFF, signed_off_level=2
    )


def submit(evidence: Evidence) -> None:
    EvidenceRevision.objects.filter(pk=evidence.current_id).update(status=Status.SUBMITTED)


def attach(evidence: Evidence, name: str = "photo.png", content: bytes | None = None) -> Attachment:
    upload = SimpleUploadedFile(name, png_bytes() if content is None else content)
    return services.attachment_add(evidence=evidence, upload=upload, by=evidence.portfolio.user)


@cache
def a_pdf() -> bytes:
    return pdf_bytes("Certificate of attendance: Example course")


def stored_files(portfolio) -> set[str]:  # type: ignore[no-untyped-def]
    # MEDIA_ROOT outlives each test's database, and portfolio ids are reused: compare snapshots.
    folder = Path(settings.MEDIA_ROOT) / "attachments" / str(portfolio.pk)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def field_error(html: str, field: str, message: str) -> bool:
    """The message is shown, and shown against this field (crispy's error id)."""
    return f'id="error_1_id_{field}"' in html and escape(message) in html


@pytest.fixture
def signed_in(client, practitioner):  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    return client


@pytest.fixture
def other_framework(framework):  # type: ignore[no-untyped-def]
    data = dataclasses.replace(shipped_framework_data(), version="test-next")
    return framework_import(data=data, activate=False)


# --- Each kind through the create view ------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_valid_post_creates_a_draft_of_each_kind(signed_in, framework, kind) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(
        kind, title=f"Invented {kind} item", links=[(comp(framework, "1.01"), "It shows 1.01.")]
    )

    response = signed_in.post(create_url(kind), data)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(evidence)
    assert evidence.kind == kind
    revision = evidence.current
    assert (revision.number, revision.status) == (1, Status.DRAFT)
    assert list(evidence.revisions.all()) == [revision]
    assert [(e.action, e.revision_id) for e in evidence.events.all()] == [
        (Action.CREATED, revision.pk)
    ]
    assert revision.title == f"Invented {kind} item"
    assert revision.date == dt.date(2025, 6, 1)
    assert [link.competency.code for link in revision.links.all()] == ["1.01"]

    html = signed_in.get(response.url).content.decode()
    assert f"Invented {kind} item" in html
    assert "It shows 1.01." in html
    spec = KINDS[kind]
    for f in spec.details:
        value = KIND_DATA[kind][f.name]
        assert revision.details[f.name] == value
        shown = dict(f.choices)[value] if f.choices else value
        assert f'<p class="descriptor">{escape(shown)}</p>' in html
    if spec.has_hours:
        assert revision.hours == Decimal(KIND_DATA[kind]["hours"])
    if spec.has_participatory:
        assert revision.is_participatory is True
    else:
        assert revision.is_participatory is None


def test_cpd_hours_and_participation_are_shown(signed_in) -> None:  # type: ignore[no-untyped-def]
    signed_in.post(create_url(EvidenceKind.CPD_ACTIVITY), evidence_post(EvidenceKind.CPD_ACTIVITY))

    html = signed_in.get(detail_url(Evidence.objects.get())).content.decode()
    assert "<strong>Hours:</strong> 3.25 h · participatory" in html


@pytest.mark.parametrize("kind", list(KINDS))
def test_missing_required_fields_are_400_with_each_message(signed_in, kind) -> None:  # type: ignore[no-untyped-def]
    required = required_fields(kind)
    data = evidence_post(kind, **dict.fromkeys(required, ""))

    response = signed_in.post(create_url(kind), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert set(response.context["form"].errors) == required
    for name in required:
        # Each message names its field: the error summary shows them away from the form.
        message = response.context["form"].fields[name].error_messages["required"]
        assert message != "This field is required." and field_error(html, name, message), name
    assert not Evidence.objects.exists()
    assert not EvidenceRevision.objects.exists()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 0.25."),
        ("-1", "Ensure this value is greater than or equal to 0.25."),
        ("1.1", "Enter hours in quarter-hour steps, e.g. 1.25 or 3.5."),
        ("600", "Ensure this value is less than or equal to 500."),
        ("abc", "Enter a number."),
    ],
)
def test_cpd_hours_are_refused_with_a_clear_message(signed_in, hours, message) -> None:  # type: ignore[no-untyped-def]
    kind = EvidenceKind.CPD_ACTIVITY
    response = signed_in.post(create_url(kind), evidence_post(kind, hours=hours))

    assert response.status_code == 400
    assert response.context["form"].errors["hours"] == [message]
    assert field_error(response.content.decode(), "hours", message)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("hours", ["1.25", "0.25", "500"])
def test_cpd_hours_in_quarter_steps_are_accepted(signed_in, hours) -> None:  # type: ignore[no-untyped-def]
    kind = EvidenceKind.CPD_ACTIVITY
    response = signed_in.post(create_url(kind), evidence_post(kind, hours=hours))

    assert response.status_code == 302
    assert Evidence.objects.get().current.hours == Decimal(hours)


def test_a_date_in_the_future_is_refused(signed_in) -> None:  # type: ignore[no-untyped-def]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = signed_in.post(create_url("other"), evidence_post("other", date=tomorrow))

    assert response.status_code == 400
    assert field_error(response.content.decode(), "date", "The date cannot be in the future.")
    assert not Evidence.objects.exists()


def test_today_is_not_in_the_future(signed_in) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate().isoformat()

    response = signed_in.post(create_url("other"), evidence_post("other", date=today))

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        (EvidenceKind.FEEDBACK, "source", "neighbour"),
        (EvidenceKind.SUPERVISION, "format", "one_to_three"),
    ],
)
def test_choice_fields_refuse_an_unknown_value(signed_in, kind, field, value) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.post(create_url(kind), evidence_post(kind, **{field: value}))

    assert response.status_code == 400
    message = f"Select a valid choice. {value} is not one of the available choices."
    assert field_error(response.content.decode(), field, message)
    assert not Evidence.objects.exists()


def test_unknown_kind_is_404(signed_in) -> None:  # type: ignore[no-untyped-def]
    assert signed_in.get(create_url("podcast")).status_code == 404
    assert signed_in.post(create_url("podcast"), evidence_post()).status_code == 404
    assert not Evidence.objects.exists()


# --- Links -----------------------------------------------------------------------------------


def test_a_competency_without_rationale_is_400(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(links=[(comp(framework, "1.01"), "  ")])

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert field_error(
        response.content.decode(),
        "links-0-rationale",
        "Say briefly how this evidence shows the competency.",
    )
    assert not Evidence.objects.exists()


def test_a_rationale_without_competency_is_400(signed_in) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(links=[("", "It shows attunement.")])

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert field_error(
        response.content.decode(), "links-0-competency", "Choose the competency this explains."
    )
    assert not Evidence.objects.exists()


def test_the_same_competency_twice_is_400(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    c = comp(framework, "1.01")
    data = evidence_post(links=[(c, "First reason."), (c, "Second reason.")])

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert field_error(response.content.decode(), "links-1-competency", "1.01 is already linked")
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("which", ["other_version", "nonexistent", "not_a_number", "huge"])
def test_a_competency_that_is_not_in_the_framework_is_400(
    signed_in, framework, other_framework, which
) -> None:  # type: ignore[no-untyped-def]
    pk = {
        "other_version": comp(other_framework, "1.01").pk,
        "nonexistent": Competency.objects.order_by("-pk").first().pk + 1000,
        "not_a_number": "1.01",
        "huge": "9" * 30,
    }[which]
    data = evidence_post(links=[(pk, "It shows it.")])

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert field_error(
        response.content.decode(),
        "links-0-competency",
        "Select a valid choice. That choice is not one of the available choices.",
    )
    assert not Evidence.objects.exists()


def test_a_post_without_the_link_management_form_is_400_not_500(signed_in) -> None:  # type: ignore[no-untyped-def]
    data = {k: v for k, v in evidence_post().items() if not k.startswith("links-")}

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert "ManagementForm data is missing or has been tampered with" in (response.content.decode())
    assert not Evidence.objects.exists()


def test_two_competencies_with_rationales_make_two_links(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(
        links=[
            (comp(framework, "2.02"), "I waited for the baby cues."),
            (comp(framework, "1.01"), "I kept the family in mind."),
        ]
    )

    assert signed_in.post(create_url("reflective_account"), data).status_code == 302

    links = EvidenceLink.objects.filter(revision=Evidence.objects.get().current)
    assert sorted((link.competency.code, link.rationale) for link in links) == [
        ("1.01", "I kept the family in mind."),
        ("2.02", "I waited for the baby cues."),
    ]


def test_a_draft_may_have_no_links(signed_in) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.post(create_url("reflective_account"), evidence_post())

    assert response.status_code == 302
    assert not EvidenceLink.objects.exists()
    assert "None linked yet." in signed_in.get(response.url).content.decode()


# --- Confidentiality --------------------------------------------------------------------------


def test_an_nhs_number_needs_confirmation_then_is_recorded(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    assert confidentiality.nhs_number_is_valid(NHS_NUMBER.replace(" ", ""))
    text = f"The baby, NHS number {NHS_NUMBER}, was feeding when I arrived."
    data = evidence_post(what_happened=text)
    url = create_url("reflective_account")

    response = signed_in.post(url, data)

    assert response.status_code == 400
    assert not Evidence.objects.exists()
    html = response.content.decode()
    assert 'data-testid="confidentiality-alert"' in html
    assert f'<mark class="confidentiality-match" title="NHS number">{NHS_NUMBER}</mark>' in html
    assert escape(confidentiality.WHY) in html
    assert 'name="confirm_no_identifiers"' in html

    response = signed_in.post(url, {**data, "confirm_no_identifiers": "on"})

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    revision = evidence.current
    assert revision.details["what_happened"] == text
    assert revision.confidentiality_confirmed_at is not None
    assert revision.confidentiality_flags == [
        {"field": "What happened?", "kind": "nhs_number", "text": NHS_NUMBER}
    ]
    assert [e.action for e in evidence.events.all()] == [
        Action.CREATED,
        Action.CONFIDENTIALITY_CONFIRMED,
    ]

    cleaned = "The baby was feeding when I arrived."
    response = signed_in.post(
        edit_url(evidence), evidence_post(what_happened=cleaned)
    )  # no confirmation ticked

    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.details["what_happened"] == cleaned
    assert revision.confidentiality_flags == []
    assert revision.confidentiality_confirmed_at is None
    assert evidence.revisions.count() == 1
    assert [e.action for e in evidence.events.all()] == [
        Action.CREATED,
        Action.CONFIDENTIALITY_CONFIRMED,
        Action.EDITED,
    ]


def test_flagged_text_is_highlighted_but_still_escaped(signed_in) -> None:  # type: ignore[no-untyped-def]
    text = f"<script>alert(1)</script> NHS number {NHS_NUMBER} & more"

    response = signed_in.post(create_url("reflective_account"), evidence_post(what_happened=text))

    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; NHS number <mark" in html
    assert "</mark> &amp; more" in html


def test_the_confirmation_box_is_only_offered_when_something_is_flagged(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get(create_url("reflective_account")).content.decode()

    assert 'name="confirm_no_identifiers"' not in html
    assert 'data-testid="confidentiality-alert"' not in html


def test_a_postcode_in_a_link_rationale_is_caught(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(
        links=[(comp(framework, "1.01"), f"The visit near {POSTCODE} showed attunement.")]
    )

    response = signed_in.post(create_url("reflective_account"), data)

    assert response.status_code == 400
    assert not Evidence.objects.exists()
    html = response.content.decode()
    assert 'data-testid="confidentiality-alert"' in html
    assert "How this shows competency (link 1)" in html
    assert f'<mark class="confidentiality-match" title="Postcode">{POSTCODE}</mark>' in html


def test_the_service_refuses_identifying_text_without_confirmation(practitioner) -> None:  # type: ignore[no-untyped-def]
    data = services.EvidenceInput(
        title="A home visit",
        date=dt.date(2025, 6, 1),
        details={**REFLECTION, "what_happened": f"NHS number {NHS_NUMBER}."},
    )

    with pytest.raises(services.ConfidentialityUnconfirmed) as caught:
        services.evidence_create(
            portfolio=practitioner.portfolio,
            kind="reflective_account",
            data=data,
            by=practitioner,
        )

    assert list(caught.value.findings) == ["What happened?"]
    assert not Evidence.objects.exists()


# --- Revisions --------------------------------------------------------------------------------


def test_editing_a_draft_updates_revision_1_in_place(signed_in, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, codes=("1.01",))
    data = evidence_post(
        title="A home visit, rewritten",
        links=[(comp(framework, "1.01"), "A better reason.")],
        initial_links=1,
    )

    response = signed_in.post(edit_url(evidence), data)

    assert response.status_code == 302
    revision = EvidenceRevision.objects.get(evidence=evidence)
    assert (revision.pk, revision.number) == (evidence.current_id, 1)
    assert revision.title == "A home visit, rewritten"
    assert [(lk.competency.code, lk.rationale) for lk in revision.links.all()] == [
        ("1.01", "A better reason.")
    ]
    assert [(e.action, e.revision_id) for e in evidence.events.all()] == [
        (Action.CREATED, revision.pk),
        (Action.EDITED, revision.pk),
    ]


def test_editing_a_signed_off_item_starts_revision_2(signed_in, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, codes=("1.01",), title="The first account")
    attachment = attach(evidence)
    sign_off(evidence)
    first = EvidenceRevision.objects.get(pk=evidence.current_id)
    data = evidence_post(
        title="The second account",
        links=[
            (comp(framework, "1.01"), "Still shows it."),
            (comp(framework, "2.02"), "Now shows this too."),
        ],
        initial_links=1,
    )

    response = signed_in.post(edit_url(evidence), data)

    assert response.status_code == 302
    evidence.refresh_from_db()
    second = evidence.current
    assert (second.number, second.status, second.title) == (2, Status.DRAFT, "The second account")
    assert second.signed_off_level is None
    assert [(lk.competency.code, lk.rationale) for lk in second.links.all()] == [
        ("1.01", "Still shows it."),
        ("2.02", "Now shows this too."),
    ]
    (copy,) = second.attachments.all()
    assert copy.pk != attachment.pk
    assert (copy.file.name, copy.sha256, copy.filename) == (
        attachment.file.name,
        attachment.sha256,
        attachment.filename,
    )

    first_now = EvidenceRevision.objects.get(pk=first.pk)
    assert (first_now.title, first_now.status, first_now.signed_off_level) == (
        "The first account",
        Status.SIGNED_OFF,
        2,
    )
    assert first_now.details == first.details
    assert first_now.updated_at == first.updated_at
    assert [(lk.competency.code, lk.rationale) for lk in first_now.links.all()] == [
        ("1.01", "It shows 1.01 in practice.")
    ]
    assert list(first_now.attachments.all()) == [attachment]
    event = evidence.events.last()
    assert (event.action, event.from_status, event.to_status, event.revision_id) == (
        Action.NEW_REVISION,
        Status.SIGNED_OFF,
        Status.DRAFT,
        second.pk,
    )

    html = signed_in.get(detail_url(evidence)).content.decode()
    assert "Earlier revisions" in html
    assert "<summary>Revision 1 — Signed off" in html
    earlier = html.split("Earlier revisions", 1)[1]
    assert "It shows 1.01 in practice." in earlier
    assert "Now shows this too." not in earlier


def test_the_edit_page_of_a_signed_off_item_says_a_new_revision_starts(
    signed_in, practitioner
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    sign_off(evidence)

    html = signed_in.get(edit_url(evidence)).content.decode()

    assert "Saving starts revision 2; revision 1 stays as it was." in html


def test_the_service_refuses_to_edit_a_submitted_item(practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    submit(evidence)
    data = services.EvidenceInput(title="Changed", date=dt.date(2025, 6, 1), details=REFLECTION)

    with pytest.raises(services.TransitionError, match="with your supervisor for review"):
        services.evidence_update(evidence=evidence, data=data, by=practitioner)

    assert EvidenceRevision.objects.get(evidence=evidence).title == "A home visit"


def test_editing_a_submitted_item_through_the_view_is_refused(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    submit(evidence)
    before = EvidenceRevision.objects.get(evidence=evidence)

    response = signed_in.post(edit_url(evidence), evidence_post(title="Changed"), follow=True)

    assert response.redirect_chain == [(detail_url(evidence), 302)]
    assert "with your supervisor for review and cannot be changed yet" in (
        response.content.decode()
    )
    after = EvidenceRevision.objects.get(evidence=evidence)
    assert (after.pk, after.title, after.status, after.updated_at) == (
        before.pk,
        "A home visit",
        Status.SUBMITTED,
        before.updated_at,
    )
    assert [e.action for e in evidence.events.all()] == [Action.CREATED]


def test_a_never_submitted_draft_can_be_deleted_with_its_file(
    signed_in, practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    name = attach(evidence).file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/evidence/{evidence.pk}/delete/")

    assert response.status_code == 302
    assert response.url == "/portfolio/evidence/"
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not EvidenceRevision.objects.exists()
    assert not Attachment.objects.exists()
    assert not EvidenceEvent.objects.exists()
    assert not default_storage.exists(name)


@pytest.mark.parametrize("then_edited", [False, True])
def test_an_item_with_a_signed_off_revision_cannot_be_deleted(
    signed_in, practitioner, django_capture_on_commit_callbacks, then_edited
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    name = attach(evidence).file.name
    sign_off(evidence)
    if then_edited:  # the current revision is a draft again, but revision 1 was signed off
        signed_in.post(edit_url(evidence), evidence_post(title="Second go"))
        assert evidence.revisions.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/evidence/{evidence.pk}/delete/", follow=True)

    assert response.redirect_chain == [(detail_url(evidence), 302)]
    assert "cannot be deleted" in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert EvidenceRevision.objects.filter(evidence=evidence, status=Status.SIGNED_OFF).exists()
    assert default_storage.exists(name)


# --- Attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Certificate.pdf", a_pdf, "application/pdf"),
        ("Leaflet photo.png", png_bytes, "image/png"),
    ],
)
def test_an_attachment_is_stored_privately_and_downloads_exactly(
    signed_in, practitioner, client, name, content, content_type
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    body = content()

    response = signed_in.post(upload_url(evidence), {"file": SimpleUploadedFile(name, body)})

    assert response.status_code == 302
    assert response.url == detail_url(evidence)
    attachment = Attachment.objects.get()
    assert attachment.revision_id == evidence.current_id
    assert attachment.sha256 == hashlib.sha256(body).hexdigest()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(body),
    )
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert path.read_bytes() == body
    assert "photo" not in attachment.file.name
    assert "Certificate" not in attachment.file.name
    # No route serves the storage folder: only the permission-checked view below does.
    for url in (f"/{attachment.file.name}", f"/media/{attachment.file.name}"):
        assert signed_in.get(url).status_code == 404
    assert [e.action for e in evidence.events.all()][-1] == Action.ATTACHED

    download = signed_in.get(f"/portfolio/attachments/{attachment.pk}/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == body
    download.close()
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == content_type


def test_a_file_missing_from_storage_is_404_not_500(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    attachment = attach(make_evidence(practitioner.portfolio))
    default_storage.delete(attachment.file.name)

    assert signed_in.get(f"/portfolio/attachments/{attachment.pk}/").status_code == 404


# Just over the limit, so the form answers beside the field; far bigger bodies are stopped
# before the form by imhcpd.upload_limits (tests/imhcpd/test_upload_limits.py).
BIG = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 64 * 1024) + b"\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "report.pdf",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "“report.pdf” is named like a PDF but its content is not a PDF.",
        ),
        ("empty.pdf", b"", "The file is empty."),
        ("big.pdf", BIG, "“big.pdf” is larger than 10 MB."),
        (
            "image.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
            "“image.png” is named like a PNG image but its content is not a PNG image.",
        ),
        (None, None, "Choose a file to attach."),
    ],
    ids=["html-as-pdf", "empty", "just-over-10mb", "svg-as-png", "no-file"],
)
def test_a_bad_upload_is_400_with_its_message(
    signed_in, practitioner, name, content, message
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    files_before = stored_files(practitioner.portfolio)
    data = {} if name is None else {"file": SimpleUploadedFile(name, content)}

    response = signed_in.post(upload_url(evidence), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "file", message)
    assert "There is a problem" in html and 'href="#id_file"' in html  # the error summary
    assert not Attachment.objects.exists()
    assert stored_files(practitioner.portfolio) == files_before
    assert [e.action for e in evidence.events.all()] == [Action.CREATED]


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A hand-made body: the test client would strip the directories from the name itself."""
    boundary = "invented-test-boundary"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("filename", ["../../etc/passwd.pdf", "..\\..\\etc\\passwd.pdf"])
def test_a_path_in_the_file_name_is_dropped(signed_in, practitioner, filename) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    body, content_type = multipart(filename, a_pdf())

    response = signed_in.post(upload_url(evidence), body, content_type=content_type)

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == "passwd.pdf"
    folder = (Path(settings.MEDIA_ROOT) / "attachments" / str(practitioner.portfolio.pk)).resolve()
    assert Path(attachment.file.path).resolve().parent == folder
    assert "passwd" not in attachment.file.name


def test_the_21st_attachment_is_refused(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    for i in range(MAX_ATTACHMENTS_PER_ITEM):
        attach(evidence, f"page {i}.png")
    files_before = stored_files(practitioner.portfolio)

    response = signed_in.post(
        upload_url(evidence), {"file": SimpleUploadedFile("one more.png", png_bytes())}
    )

    assert response.status_code == 400
    assert field_error(
        response.content.decode(), "file", "An item can have at most 20 attachments."
    )
    assert Attachment.objects.count() == MAX_ATTACHMENTS_PER_ITEM
    assert stored_files(practitioner.portfolio) == files_before


def test_uploading_to_a_signed_off_revision_is_refused_not_500(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    sign_off(evidence)
    files_before = stored_files(practitioner.portfolio)

    response = signed_in.post(
        upload_url(evidence), {"file": SimpleUploadedFile("late.png", png_bytes())}
    )

    assert response.status_code == 409
    assert not Attachment.objects.exists()
    assert stored_files(practitioner.portfolio) == files_before


def test_uploading_to_a_signed_off_revision_says_why(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    sign_off(evidence)

    response = signed_in.post(
        upload_url(evidence), {"file": SimpleUploadedFile("late.png", png_bytes())}, follow=True
    )

    assert "Attachments can only be added to a draft." in response.content.decode()


def test_another_practitioners_attachment_is_404(
    signed_in, other_practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    their_evidence = make_evidence(other_practitioner.portfolio)
    theirs = attach(their_evidence)

    assert signed_in.get(f"/portfolio/attachments/{theirs.pk}/").status_code == 404
    upload = {"file": SimpleUploadedFile("mine.png", png_bytes())}
    assert signed_in.post(upload_url(their_evidence), upload).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/attachments/{theirs.pk}/remove/")

    assert response.status_code == 404
    assert list(Attachment.objects.all()) == [theirs]
    assert default_storage.exists(theirs.file.name)


def test_removing_an_attachment_from_a_draft_removes_its_file(
    signed_in, practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    attachment = attach(evidence)
    name = attachment.file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_in.post(f"/portfolio/attachments/{attachment.pk}/remove/")
    assert default_storage.exists(name)  # nothing goes before the commit
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert response.url == detail_url(evidence)
    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)
    assert [e.action for e in evidence.events.all()][-1] == Action.DETACHED


def test_removing_a_copied_attachment_keeps_the_file_of_the_earlier_revision(
    signed_in, practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    original = attach(evidence)
    sign_off(evidence)
    signed_in.post(edit_url(evidence), evidence_post(title="Second go"))
    copy = Attachment.objects.exclude(pk=original.pk).get()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/attachments/{copy.pk}/remove/")

    assert response.status_code == 302
    assert list(Attachment.objects.all()) == [original]
    assert default_storage.exists(original.file.name)
    download = signed_in.get(f"/portfolio/attachments/{original.pk}/")
    assert b"".join(download.streaming_content) == png_bytes()
    download.close()


def test_an_attachment_of_a_signed_off_revision_is_kept(
    signed_in, practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    attachment = attach(evidence)
    sign_off(evidence)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/attachments/{attachment.pk}/remove/", follow=True)

    assert response.redirect_chain == [(detail_url(evidence), 302)]
    assert "Attachments of a submitted or signed-off revision are kept." in (
        response.content.decode()
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.file.name)


# --- Query counts ------------------------------------------------------------------------------


def test_the_evidence_list_query_count_does_not_grow(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    portfolio = practitioner.portfolio

    def count() -> int:
        signed_in.get("/portfolio/evidence/")
        with CaptureQueriesContext(connection) as ctx:
            response = signed_in.get("/portfolio/evidence/")
        assert response.status_code == 200
        return len(ctx)

    for i in range(3):
        make_evidence(portfolio, codes=("1.01", "2.02"), title=f"Item {i}")
    small = count()
    for i in range(3, 30):
        make_evidence(portfolio, codes=("1.01", "2.02", "3.03"), title=f"Item {i}")
    large = count()

    assert large == small
    assert small <= 15


def test_each_kind_keeps_its_own_date_label_whatever_was_built_before(signed_in) -> None:  # type: ignore[no-untyped-def]
    from portfolios.evidence_kinds import KINDS
    from portfolios.forms import evidence_form_class

    for kind in KINDS:  # build every form class, in order
        evidence_form_class(kind)
    for kind, spec in KINDS.items():
        html = signed_in.get(f"/portfolio/evidence/new/{kind}/").content.decode()
        assert spec.date_label in html, kind
