"""What a supervisor works with (issue 12, item 5): the attachments of what was submitted to
them (opened, downloaded, recorded), the review queue's bulk sign-off (select all, ticked
boxes kept after a failure), the sign-off level on every item, and notifications grouped
per item and marked read when seen.

Who may open which URL is also in the permission matrix; here each refusal is checked to
leave no trace, and each success to do what the page promises.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imhcpd.models import User
from portfolios.models import Attachment, EvidenceRevision
from portfolios.services import attachment_add, portfolio_update
from portfolios.supervision import erasure
from portfolios.supervision import services as sv
from portfolios.supervision.models import AttachmentAccess, Notification, Review, Supervision
from portfolios.supervision.notifications import notify
from tests.factories import UserFactory, make_evidence, make_supervision, pdf_bytes, png_bytes
from tests.portfolios.test_uploads import make_docx

pytestmark = pytest.mark.django_db

Status = EvidenceRevision.Status
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- Fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def supervision(practitioner: User, supervisor: User) -> Supervision:
    return make_supervision(practitioner.portfolio, supervisor)


def _attach(evidence, name: str, data: bytes, content_type: str) -> Attachment:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return attachment_add(evidence=evidence, upload=upload, by=evidence.portfolio.user)


@pytest.fixture
def files(practitioner: User, supervision: Supervision) -> dict[str, Attachment]:
    """A submitted certificate with a PDF, a photo and a Word file."""
    evidence = make_evidence(practitioner.portfolio, title="Baby massage course")
    found = {
        "pdf": _attach(evidence, "certificate.pdf", pdf_bytes(), "application/pdf"),
        "png": _attach(evidence, "photo.png", png_bytes(), "image/png"),
        "docx": _attach(evidence, "notes.docx", make_docx(), DOCX),
    }
    sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    return found


def url(attachment: Attachment, download: bool = False) -> str:
    return f"/supervision/attachments/{attachment.pk}/" + ("?download=1" if download else "")


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, "no <title>"
    return found.group(1).strip()


def checked_ids(html: str) -> set[str]:
    return set(re.findall(r'name="revision" value="(\d+)"[^>]*\bchecked\b', html))


def unread_badge(html: str) -> str | None:
    found = re.search(r'data-testid="unread-count">(\d+)<', html)
    return found.group(1) if found else None


# --- Attachments: opened, downloaded, recorded -----------------------------------------------


def test_the_reviewer_opens_a_pdf_in_the_browser_and_the_open_is_recorded(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)
    pdf = files["pdf"]

    response = client.get(url(pdf))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == pdf.file.open("rb").read()
    (access,) = AttachmentAccess.objects.all()
    assert (access.attachment, access.user, access.user_name, access.inline) == (
        pdf,
        supervisor,
        supervisor.full_name,
        True,
    )


def test_an_image_opens_under_a_policy_that_loads_nothing_else(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)

    response = client.get(url(files["png"]))

    assert response["Content-Disposition"].startswith("inline;")
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_download_asks_for_a_download_and_is_recorded_as_one(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)

    response = client.get(url(files["pdf"], download=True))

    assert response["Content-Disposition"].startswith("attachment;")
    assert AttachmentAccess.objects.get().inline is False


def test_a_word_file_always_downloads(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)

    response = client.get(url(files["docx"]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == DOCX
    assert AttachmentAccess.objects.get().inline is False


def test_every_open_is_a_record_of_its_own(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)
    for _ in range(3):
        body(client.get(url(files["png"])))
    assert AttachmentAccess.objects.filter(attachment=files["png"]).count() == 3


@pytest.mark.parametrize("who", ["other_supervisor", "stranger", "practitioner"])
def test_anyone_but_the_reviewer_gets_404_and_leaves_no_record(
    client: Client, who: str, practitioner: User, other_practitioner: User, files
) -> None:  # type: ignore[no-untyped-def]
    if who == "other_supervisor":
        # Supervises someone else: the attachment was not submitted to them.
        person = UserFactory(full_name="Oona Othersupervisor")
        make_supervision(other_practitioner.portfolio, person)
    elif who == "stranger":
        person = UserFactory(full_name="Stan Stranger")
    else:
        person = practitioner  # owns it, but this is the reviewer's door
    client.force_login(person)

    for attachment in files.values():
        assert client.get(url(attachment)).status_code == 404
        assert client.get(url(attachment, download=True)).status_code == 404
    assert not AttachmentAccess.objects.exists()


def test_the_practitioner_still_downloads_their_own_attachment(
    client: Client, practitioner: User, files: dict[str, Attachment]
) -> None:
    client.force_login(practitioner)

    response = client.get(f"/portfolio/attachments/{files['pdf'].pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert not AttachmentAccess.objects.exists()  # the owner's own files are not logged


def test_an_ended_supervision_or_a_draft_opens_nothing(
    client: Client, practitioner: User, supervisor: User, supervision: Supervision, files
) -> None:  # type: ignore[no-untyped-def]
    draft = make_evidence(practitioner.portfolio, title="Not sent")
    draft_file = _attach(draft, "draft.png", png_bytes(), "image/png")
    client.force_login(supervisor)
    assert client.get(url(draft_file)).status_code == 404

    sv.supervision_end(supervision=supervision, by=practitioner)
    assert client.get(url(files["pdf"])).status_code == 404
    assert not AttachmentAccess.objects.exists()


def test_a_file_no_longer_stored_is_404_and_not_recorded(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    files["pdf"].file.storage.delete(files["pdf"].file.name)
    client.force_login(supervisor)

    assert client.get(url(files["pdf"])).status_code == 404
    assert not AttachmentAccess.objects.exists()


def test_the_review_page_lists_name_type_and_size_without_the_hash(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)
    revision = files["pdf"].revision

    page = unescape(client.get(f"/supervision/reviews/{revision.pk}/").content.decode())

    for attachment in files.values():
        assert attachment.sha256 not in page
    assert "SHA-256" not in page
    assert f'href="{url(files["pdf"])}" target="_blank"' in page
    assert "certificate.pdf" in page
    assert re.search(r"PDF, [\d.]+\xa0(KB|bytes)", page)
    assert re.search(r"PNG image, [\d.]+\xa0(KB|bytes)", page)
    assert f'href="{url(files["docx"], download=True)}"' in page
    assert "Download notes.docx" in page
    assert "Word document" in page
    assert "This item has 3 attachments. " in page
    assert not AttachmentAccess.objects.exists()  # listing is not opening


def test_the_items_page_lists_each_revisions_attachments_and_level(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)
    evidence_id = files["pdf"].revision.evidence_id

    page = unescape(client.get(f"/supervision/evidence/{evidence_id}/").content.decode())

    assert page.count('data-testid="attachment"') == 3
    assert f'href="{url(files["png"])}" target="_blank"' in page
    status = page.split('data-testid="revision-status">')[1].split("</p>")[0]
    assert ">Submitted for review</strong>" in status
    assert ">Level 2</strong>" in status
    assert files["pdf"].sha256 not in page


def test_the_supervisors_data_download_lists_what_they_opened(
    client: Client, supervisor: User, files: dict[str, Attachment]
) -> None:
    client.force_login(supervisor)
    body(client.get(url(files["png"])))

    opened = erasure.export(supervisor)["supervision_given"]["attachments_opened"]

    assert [(a["file"], a["how"], a["practitioner"]) for a in opened] == [
        ("photo.png", "opened", "Pat Practitioner")
    ]


# --- The review queue: level, select all, kept selections ------------------------------------


@pytest.fixture
def three(practitioner: User, supervision: Supervision) -> list[EvidenceRevision]:
    """Three items waiting: two asked at Level 2, then one at Level 3."""
    revisions = []
    for n in range(3):
        if n == 2:
            portfolio_update(
                portfolio=practitioner.portfolio, by=practitioner, data={"target_level": 3}
            )
        evidence = make_evidence(practitioner.portfolio, title=f"Item {n}")
        revisions.append(
            sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
        )
    return revisions


def test_every_item_in_the_queue_shows_the_level_it_is_signed_off_at(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    page = client.get("/supervision/").content.decode()

    levels = re.findall(r'data-testid="queue-level"><strong class="tag[^"]*">([^<]+)<', page)
    assert levels == ["Level 2", "Level 2", "Level 3"]
    assert 'class="table table-stack' in page
    assert "nowrap" not in page
    assert title_of(page) == "Review queue — IMH CPD"


def test_select_all_is_a_labelled_checkbox(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    page = client.get("/supervision/").content.decode()

    assert re.search(r'<input [^>]*type="checkbox" id="select-all"', page)
    assert '<label class="form-check-label" for="select-all">Select all items on this page' in page
    for revision in three:
        assert f"Select {revision.title}</label>" in page


def test_a_bulk_sign_off_without_the_declaration_keeps_the_ticked_items(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)
    ticked = [str(three[0].pk), str(three[2].pk)]

    response = client.post("/supervision/reviews/bulk/", {"revision": ticked})
    page = response.content.decode()

    assert response.status_code == 400
    assert checked_ids(page) == set(ticked)
    assert 'class="error-summary"' in page
    assert (
        '<a href="#bulk-declaration">Tick the declaration to sign off the selected items.</a>'
        in page
    )
    assert 'id="bulk-declaration"' in page
    assert title_of(page) == "Error: Review queue — IMH CPD"
    assert not Review.objects.exists()
    assert set(EvidenceRevision.objects.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_a_bulk_sign_off_with_nothing_ticked_says_so_and_links_to_the_first_box(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    response = client.post("/supervision/reviews/bulk/", {"declaration": "on"})
    page = response.content.decode()

    assert response.status_code == 400
    assert '<a href="#bulk-revision">Select at least one item to sign off.</a>' in page
    assert f'value="{three[0].pk}" id="bulk-revision"' in page
    assert checked_ids(page) == set()
    assert not Review.objects.exists()


def test_a_failed_bulk_sign_off_keeps_the_filters(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    page = client.post(
        "/supervision/reviews/bulk/",
        {"revision": [str(three[0].pk)], "kind": "reflective_account", "domain": "1"},
    ).content.decode()

    assert '<input type="hidden" name="kind" value="reflective_account">' in page
    assert '<option value="1" selected>Domain 1</option>' in page


def test_the_ticked_items_are_signed_off_once_the_declaration_is_ticked(
    client: Client, supervisor: User, three: list[EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    response = client.post(
        "/supervision/reviews/bulk/",
        {"revision": [str(three[0].pk), str(three[2].pk)], "declaration": "on"},
    )

    assert response.status_code == 302
    assert dict(Review.objects.values_list("revision_id", "level")) == {
        three[0].pk: 2,
        three[2].pk: 3,
    }


# --- Notifications: grouped per item, read when seen -----------------------------------------


@pytest.fixture
def busy(practitioner: User, supervisor: User, supervision: Supervision) -> dict[str, object]:
    """The supervisor is told of two submissions; the practitioner comments twice on one."""
    first = make_evidence(practitioner.portfolio, title="First item")
    second = make_evidence(practitioner.portfolio, title="Second item")
    a = sv.evidence_submit(evidence=first, supervision=supervision, by=practitioner)
    b = sv.evidence_submit(evidence=second, supervision=supervision, by=practitioner)
    sv.comment_add(evidence=first, by=practitioner, body="A photo is attached.")
    sv.comment_add(evidence=first, by=practitioner, body="And the certificate.")
    return {"first": a, "second": b}


def test_notifications_about_one_item_are_one_entry_with_a_count(
    client: Client, supervisor: User, busy: dict[str, EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    page = client.get("/supervision/notifications/").content.decode()

    groups = page.split('data-testid="notification-group"')[1:]
    assert len(groups) == 2
    newest = groups[0]
    assert "commented on “First item”" in newest
    assert 'data-testid="group-count">3 notifications about this (3 new)' in newest
    assert "submitted “First item” for your review" in newest
    assert "submitted “Second item” for your review" in groups[1]
    assert "group-count" not in groups[1]


def test_opening_the_notifications_page_marks_what_it_shows_read(
    client: Client, supervisor: User, busy: dict[str, EvidenceRevision]
) -> None:
    client.force_login(supervisor)
    assert unread_badge(client.get("/supervision/preferences/").content.decode()) == "4"

    page = client.get("/supervision/notifications/").content.decode()
    later = client.get("/supervision/preferences/").content.decode()

    assert unread_badge(page) is None  # the count in the navigation has gone
    assert page.count(">New</strong>") == 2  # but the page says what was new, this once
    assert unread_badge(later) is None
    assert not Notification.objects.filter(user=supervisor, read_at__isnull=True).exists()


def test_opening_the_item_marks_its_notifications_read(
    client: Client, supervisor: User, busy: dict[str, EvidenceRevision]
) -> None:
    client.force_login(supervisor)

    page = client.get(f"/supervision/reviews/{busy['first'].pk}/").content.decode()

    assert unread_badge(page) == "1"  # only the second item's is left
    unread = Notification.objects.filter(user=supervisor, read_at__isnull=True)
    assert list(unread.values_list("text", flat=True)) == [
        "Pat Practitioner submitted “Second item” for your review."
    ]
    client.get(f"/supervision/evidence/{busy['second'].evidence_id}/")
    assert not unread.exists()


def test_the_practitioner_sees_the_review_and_comments_on_one_item_as_one_entry(
    client: Client, practitioner: User, supervisor: User, busy: dict[str, EvidenceRevision]
) -> None:
    sv.comment_add(evidence=busy["first"].evidence, by=supervisor, body="Thank you.")
    sv.review_sign_off(revision=busy["first"], by=supervisor, declared=True)
    client.force_login(practitioner)

    page = client.get("/supervision/notifications/").content.decode()

    groups = page.split('data-testid="notification-group"')[1:]
    assert "signed off “First item” at Level 2" in groups[0]
    assert "2 notifications about this" in groups[0]
    assert "accepted your invitation" in groups[1]  # not about an item: on its own


def test_any_page_a_notification_points_at_marks_it_read_when_opened(
    client: Client, practitioner: User, supervisor: User, busy: dict[str, EvidenceRevision]
) -> None:
    sv.review_return(revision=busy["first"], by=supervisor, feedback="Say more about the baby.")
    sv.review_sign_off(revision=busy["second"], by=supervisor, declared=True)
    client.force_login(practitioner)
    unread = Notification.objects.filter(user=practitioner, read_at__isnull=True)
    assert unread.count() == 3  # accepted, returned, signed off

    item = f"/portfolio/evidence/{busy['first'].evidence_id}/"
    client.get(item, HTTP_HX_REQUEST="true")  # a fragment swapped in is not the page
    client.post("/supervision/supervisors/")  # nor is a form sent
    assert unread.count() == 3

    # The practitioner's evidence page (not supervision's) as the emailed link opens it.
    page = client.get(item).content.decode()

    assert unread_badge(page) == "2"  # already without the one just seen
    assert "returned “First item”" not in " ".join(unread.values_list("text", flat=True))
    client.get("/supervision/supervisors/")
    assert list(unread.values_list("text", flat=True)) == [
        "Sam Supervisor signed off “Second item” at Level 2."
    ]


def test_older_pages_can_be_marked_read_from_the_first(client: Client, supervisor: User) -> None:
    for n in range(35):  # 30 entries a page
        notify(supervisor, f"Notice {n}")
    client.force_login(supervisor)

    first = client.get("/supervision/notifications/").content.decode()
    assert first.count('data-testid="notification-group"') == 30
    assert Notification.objects.filter(user=supervisor, read_at__isnull=True).count() == 5
    assert "Mark older ones as read too" in first

    response = client.post("/supervision/notifications/")

    assert response.status_code == 302
    assert not Notification.objects.filter(user=supervisor, read_at__isnull=True).exists()
    again = client.get("/supervision/notifications/").content.decode()
    assert "Mark older ones as read too" not in again


def test_someone_elses_notifications_are_never_shown_or_marked(
    client: Client, supervisor: User, other_practitioner: User, busy
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(other_practitioner)

    page = client.get("/supervision/notifications/").content.decode()

    assert "First item" not in page
    assert Notification.objects.filter(user=supervisor, read_at__isnull=True).count() == 4


# --- Titles ------------------------------------------------------------------------------------


def test_supervision_page_titles_are_plain_text(
    client: Client,
    practitioner: User,
    supervisor: User,
    supervision: Supervision,
    files: dict[str, Attachment],
) -> None:
    revision = files["pdf"].revision
    client.force_login(supervisor)
    pages = {
        "/supervision/": "Review queue",
        f"/supervision/reviews/{revision.pk}/": "Review: Baby massage course",
        f"/supervision/evidence/{revision.evidence_id}/": "Baby massage course",
        f"/supervision/supervisees/{supervision.pk}/": "Pat Practitioner",
        "/supervision/notifications/": "Notifications",
    }
    for path, expected in pages.items():
        assert title_of(client.get(path).content.decode()) == f"{expected} — IMH CPD", path
    client.force_login(practitioner)
    assert title_of(client.get("/supervision/supervisors/").content.decode()) == (
        "Your supervisors — IMH CPD"
    )


# --- Emails --------------------------------------------------------------------------------


def test_the_submission_email_gives_the_level_and_the_attachments(
    practitioner: User,
    supervisor: User,
    supervision: Supervision,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, title="With a certificate")
    _attach(evidence, "certificate.pdf", pdf_bytes(), "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)

    (email,) = [m for m in mailoutbox if m.to == [supervisor.email]]
    assert "They ask for it to be signed off at Level 2." in email.body
    assert "It has 1 attachment: open it from the review page before you decide." in email.body


def test_the_owner_sees_who_opened_their_attachment(
    client: Client, practitioner: User, supervisor: User, files: dict[str, Attachment]
) -> None:
    pdf = files["pdf"]
    evidence_page = f"/portfolio/evidence/{pdf.revision.evidence_id}/"
    client.force_login(practitioner)
    assert 'data-testid="attachment-opened"' not in client.get(evidence_page).content.decode()
    reviewer = Client()
    reviewer.force_login(supervisor)
    body(reviewer.get(url(pdf)))
    body(reviewer.get(url(pdf, download=True)))
    html = unescape(client.get(evidence_page).content.decode())
    assert "Downloaded by Sam Supervisor on" in html and "(2 times in all)" in html
    # The photo nobody opened says nothing.
    assert html.count('data-testid="attachment-opened"') == 1
