"""Closing an account (imhcpd.erasure): every persona in every state, what stays for others
with the names frozen, what goes (every file), verification afterwards, the delete page and
the admin, and the data download that the same registry assembles."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from imhcpd import erasure
from imhcpd.erasure import ErasureRefused, Step, account_erase
from imhcpd.models import AccountErasure, User
from portfolios import services as portfolio_services
from portfolios.exports.models import PortfolioExport
from portfolios.exports.pdf import Rendered
from portfolios.models import Attachment, EvidenceEvent, EvidenceRevision
from portfolios.personal_data import personal_data
from portfolios.supervision.models import Comment, Notification, Review, Supervision
from portfolios.supervision.services import (
    comment_add,
    evidence_submit,
    review_sign_off,
    supervision_end,
)
from register import selectors as register_selectors
from register import services as register
from register.models import (
    AdminNote,
    ApplicationEvent,
    Endorsement,
    EntryEvent,
    Reference,
    RegisterEntry,
)
from tests.factories import (
    PASSWORD,
    REFLECTION,
    UserFactory,
    make_eligible,
    make_evidence,
    make_export,
    make_portfolio,
    make_supervision,
    png_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(html: str, attachments: set[int], on_layout: Callable[..., Any] | None = None):  # type: ignore[no-untyped-def]
        return Rendered(pdf=b"%PDF-1.7 application stand-in", pages=1, layout_s=0, write_s=0)

    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(Path(dirpath, f).relative_to(root))
        for dirpath, _, names in os.walk(root)
        for f in names
    }


def attach(evidence, name: str = "photo.png") -> Attachment:  # type: ignore[no-untyped-def]
    return portfolio_services.attachment_add(
        evidence=evidence,
        upload=SimpleUploadedFile(name, png_bytes()),
        by=evidence.portfolio.user,
    )


# --- One world with every persona and every kind of record -------------------------------


class World:
    """Pat practises and is on the register; Sam supervises, reviewed, commented and endorsed;
    Rae gave a reference (and has an account); Ari, an administrator, decided. Olu is an
    onlooker whose records must come through untouched."""

    def __init__(self, state: str, *, pat: User, sam: User, ari: User, commit) -> None:  # type: ignore[no-untyped-def]
        self.pat, self.sam, self.ari = pat, sam, ari
        self.state = state
        self.olu = UserFactory(email="olu@example.org", full_name="Olu Onlooker")
        make_portfolio(self.olu, pat.portfolio.framework)
        self.olu_item = make_evidence(self.olu.portfolio, title="Olu's item")
        attach(self.olu_item, "olu.png")
        self.rae = UserFactory(email="referee1@example.org", full_name="Rae Referee")
        self.signed_review: Review | None = None
        self.export: PortfolioExport | None = None
        self.entry: RegisterEntry | None = None
        self.waiting: EvidenceRevision | None = None
        if state == "fresh":
            return
        self.supervision = make_supervision(pat.portfolio, sam)
        with commit():
            if state in ("signed_off", "full", "supervisor_ended"):
                item = make_evidence(pat.portfolio, title="Signed item")
                attach(item)
                revision = evidence_submit(evidence=item, supervision=self.supervision, by=pat)
                self.signed_review = review_sign_off(
                    revision=revision, by=sam, declared=True
                ).review
                comment_add(evidence=item, by=sam, body="A thoughtful account.")
                # Editing the signed item starts revision 2, which shares the stored file.
                portfolio_services.evidence_update(
                    evidence=item,
                    data=portfolio_services.EvidenceInput(
                        title="Signed item", date=dt.date(2026, 1, 16), details=REFLECTION
                    ),
                    by=pat,
                )
                self.export = make_export(pat)
            if state == "supervisor_ended":
                supervision_end(supervision=self.supervision, by=pat)
                return
            waiting = make_evidence(pat.portfolio, title="Waiting item")
            attach(waiting, "waiting.png")
            self.waiting = evidence_submit(evidence=waiting, supervision=self.supervision, by=pat)
        if state == "full":
            self._register(commit)

    def _register(self, commit) -> None:  # type: ignore[no-untyped-def]
        pat, sam, ari = self.pat, self.sam, self.ari
        make_eligible(pat, sam)
        with commit():
            app = register.application_start(user=pat, level=2)
            register.application_declare(application=app, keys=list(register.DECLARATIONS), by=pat)
            endorsement = register.endorsement_request(
                application=app, supervision=self.supervision, by=pat
            )
            register.endorsement_decide(
                endorsement=endorsement, by=sam, endorse=True, text="Attuned, reflective work."
            )
            for n in (1, 2):
                register.reference_request(
                    application=app, name=f"Referee {n}", email=f"referee{n}@example.org", by=pat
                )
        for reference in app.references.all():
            # Answered as the referee's link would, without the email round trip.
            register.reference_submit(
                reference=reference,
                data={
                    "referee_role": "Team leader",
                    "relationship": "Colleague for three years",
                    "statement": "Warm, careful practice.",
                },
            )
        with commit():
            register.application_submit(application=app, by=pat)
        register.note_add(application=app, admin=ari, body="Domain 4 is strong.")
        with commit():
            self.entry = register.application_approve(application=app, admin=ari)
        self.application = app


@pytest.fixture
def build(practitioner, supervisor, register_admin, commit):  # type: ignore[no-untyped-def]
    return lambda state: World(
        state, pat=practitioner, sam=supervisor, ari=register_admin, commit=commit
    )


def owned_files(user: User) -> set[str]:
    names = set(Attachment.objects.for_owner(user).values_list("file", flat=True))
    names |= set(
        PortfolioExport.objects.for_owner(user).exclude(file="").values_list("file", flat=True)
    )
    return names


def assert_erased(user_pk: int, files_before: set[str], onlooker_files: set[str]) -> None:
    assert not User.objects.filter(pk=user_pk).exists()
    record = AccountErasure.objects.get(account_id=user_pk)
    assert "@" not in json.dumps(record.summary)
    left = media_files()
    assert not (files_before & left), files_before & left
    assert onlooker_files <= left


# --- Every persona, every state ------------------------------------------------------------

CASES = [
    ("practitioner", "fresh"),
    ("practitioner", "submitted"),
    ("practitioner", "signed_off"),
    ("practitioner", "full"),  # submitted, signed off, register approved, PDFs issued
    ("supervisor", "submitted"),  # active supervision, an item waiting
    ("supervisor", "supervisor_ended"),  # past reviews only
    ("supervisor", "full"),  # also endorsed an application
    ("referee", "full"),
    ("administrator", "full"),
]


@pytest.mark.parametrize(("persona", "state"), CASES, ids=[f"{p}-{s}" for p, s in CASES])
def test_every_persona_in_every_state_can_close_their_account(  # type: ignore[no-untyped-def]
    build, persona: str, state: str, commit, client, mailoutbox
) -> None:
    world = build(state)
    target = {
        "practitioner": world.pat,
        "supervisor": world.sam,
        "referee": world.rae,
        "administrator": world.ari,
    }[persona]
    files_before = owned_files(target)
    onlooker = owned_files(world.olu)
    mailoutbox.clear()
    with commit():
        account_erase(user=target, by=target)
    assert_erased(target.pk, files_before, onlooker)
    assert Attachment.objects.for_owner(world.olu).count() == 1
    assert target.email not in {to for m in mailoutbox for to in m.to}  # nobody mails the leaver

    if persona == "practitioner":
        if state != "fresh":
            # The supervisor is told, in the app and by email.
            assert Notification.objects.filter(
                user=world.sam, text__contains="closed their account"
            )
            assert any(m.to == [world.sam.email] for m in mailoutbox)
        if world.export is not None:
            page = client.get(f"/verify/{world.export.code}/")
            assert page.status_code == 200
            text = page.content.decode()
            assert "the account has since been closed" in text
            assert "Pat Practitioner" in text  # issued to, as printed on the PDF
        if world.entry is not None:
            entry = RegisterEntry.objects.get(pk=world.entry.pk)
            assert entry.status == RegisterEntry.Status.REMOVED and entry.user is None
            assert entry.events.filter(to_status="removed", detail="account closed").exists()
            assert entry.events.filter(actor_name="Ari Admin").exists()  # the approval stays
            page = client.get(f"/register/entries/{entry.number}/")
            assert page.status_code == 200
            assert "Removed — account closed" in page.content.decode()
            assert "Pat Practitioner" not in page.content.decode()
            listed = client.get("/register/", {"q": entry.number}).content.decode()
            assert f"/register/entries/{entry.number}/" not in listed

    if persona == "supervisor":
        supervision = Supervision.objects.get(pk=world.supervision.pk)
        assert supervision.status == Supervision.Status.ENDED
        assert supervision.supervisor is None
        if world.signed_review is not None:
            review = Review.objects.get(pk=world.signed_review.pk)
            assert review.reviewer is None
            assert (review.reviewer_name, review.level) == ("Sam Supervisor", 2)
            assert Comment.objects.get().author_display == "Sam Supervisor"
            assert EvidenceEvent.objects.filter(
                action="signed_off", actor=None, actor_name="Sam Supervisor"
            ).exists()
            client.force_login(world.pat)
            item_page = client.get(f"/portfolio/evidence/{review.revision.evidence_id}/")
            assert item_page.status_code == 200
            assert "by Sam Supervisor" in item_page.content.decode()
        if world.waiting is not None:
            world.waiting.refresh_from_db()
            assert world.waiting.status == EvidenceRevision.Status.DRAFT
            assert world.waiting.submitted_to is None
        if state != "supervisor_ended":
            assert Notification.objects.filter(
                user=world.pat, text__contains="Sam Supervisor has closed their account"
            ).exists()
        # Finding 3: the empty supervision is not "an active supervisor" any more.
        checks = {c.label: c.met for c in register_selectors.eligibility(world.pat.portfolio, 2)}
        assert checks["An active supervisor"] is False
        if state == "full":
            endorsement = Endorsement.objects.get()
            assert endorsement.endorser_display == "Sam Supervisor"
            snapshot = world.application.latest_snapshot
            assert snapshot.data["application"]["endorsement"]["by"] == "Sam Supervisor"

    if persona == "referee":
        assert Reference.objects.filter(name="Referee 1", email="referee1@example.org").exists()

    if persona == "administrator":
        approved = ApplicationEvent.objects.get(to_status="approved")
        assert approved.actor is None and approved.actor_display == "Ari Admin"
        assert AdminNote.objects.get().author_display == "Ari Admin"
        assert EntryEvent.objects.filter(actor_name="Ari Admin").exists()
        assert RegisterEntry.objects.get().status == RegisterEntry.Status.CURRENT


def test_a_supervisor_with_items_waiting_is_erased_and_the_practitioner_can_go_on(  # type: ignore[no-untyped-def]
    build, commit, practitioner
) -> None:
    """Finding 3: the next submission used to fail with an integrity error; now the item is a
    draft again and any submission to the ended supervision is refused with a message."""
    world = build("submitted")
    with commit():
        account_erase(user=world.sam, by=world.sam)
    supervision = Supervision.objects.get(pk=world.supervision.pk)
    evidence = world.waiting.evidence
    with pytest.raises(portfolio_services.TransitionError, match="active supervisors"):
        evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)


def test_a_supervision_left_active_by_an_old_deletion_supervises_nobody(build) -> None:  # type: ignore[no-untyped-def]
    """Rows from before erasure existed (supervisor NULL, status still active)."""
    world = build("submitted")
    Supervision.objects.filter(pk=world.supervision.pk).update(supervisor=None)
    assert not Supervision.objects.active().filter(pk=world.supervision.pk).exists()
    checks = {c.label: c.met for c in register_selectors.eligibility(world.pat.portfolio, 2)}
    assert checks["An active supervisor"] is False


# --- The delete page and the admin go through the service ----------------------------------


def test_the_delete_page_closes_a_practitioner_with_signed_off_and_approved_work(  # type: ignore[no-untyped-def]
    build, client, commit
) -> None:
    """Finding 2: protected rows used to raise, and the page answered 500 after logging out."""
    world = build("full")
    client.force_login(world.pat)
    with commit():
        response = client.post("/portfolio/delete-account/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(pk=world.pat.pk).exists()
    assert AccountErasure.objects.get(account_id=world.pat.pk).by_self


def test_the_delete_page_never_logs_out_when_erasure_fails(  # type: ignore[no-untyped-def]
    build, client, monkeypatch
) -> None:
    world = build("signed_off")
    files_before = media_files()

    def refuse(erasure) -> None:  # type: ignore[no-untyped-def]
        raise ErasureRefused("An open fitness-to-practise case keeps this account for now.")

    monkeypatch.setitem(erasure._STEPS, "zz_refuse", Step("zz_refuse", order=99, erase=refuse))
    client.force_login(world.pat)
    response = client.post("/portfolio/delete-account/", {"password": PASSWORD})
    assert response.status_code == 409
    assert "fitness-to-practise" in response.content.decode()
    assert int(client.session["_auth_user_id"]) == world.pat.pk
    assert User.objects.filter(pk=world.pat.pk).exists()
    assert Review.objects.filter(pk=world.signed_review.pk, reviewer=world.sam).exists()
    assert media_files() == files_before
    assert not AccountErasure.objects.exists()


def test_an_unexpected_failure_rolls_everything_back_and_keeps_the_session(  # type: ignore[no-untyped-def]
    build, client, monkeypatch
) -> None:
    world = build("signed_off")

    def boom(erasure) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(erasure._STEPS, "zz_boom", Step("zz_boom", order=99, erase=boom))
    client.raise_request_exception = False
    client.force_login(world.pat)
    response = client.post("/portfolio/delete-account/", {"password": PASSWORD})
    assert response.status_code == 500
    assert int(client.session["_auth_user_id"]) == world.pat.pk
    assert Supervision.objects.filter(pk=world.supervision.pk, status="active").exists()


def _admin_request(user: User, method: str = "post", data: dict | None = None):  # type: ignore[no-untyped-def]
    request = getattr(RequestFactory(), method)("/admin/imhcpd/user/", data or {})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_admins_user_delete_goes_through_the_service(build, staff, commit) -> None:  # type: ignore[no-untyped-def]
    world = build("full")
    model_admin = site._registry[User]
    request = _admin_request(staff)
    # The confirmation page no longer lists protected rows that would block the delete.
    summary, _counts, perms_needed, protected = model_admin.get_deleted_objects(
        [world.pat], request
    )
    assert protected == [] and perms_needed == set()
    assert "account closed" in summary[0]
    with commit():
        model_admin.delete_model(request, world.pat)
    record = AccountErasure.objects.get(account_id=world.pat.pk)
    assert record.by_account_id == staff.pk and not record.by_self
    assert RegisterEntry.objects.get().status == RegisterEntry.Status.REMOVED
    # The bulk action too: the supervisor and the referee in one go.
    from django.contrib.admin.actions import delete_selected

    queryset = User.objects.filter(pk__in=[world.sam.pk, world.rae.pk])
    with commit():
        delete_selected(model_admin, _admin_request(staff, data={"post": "yes"}), queryset)
    assert set(AccountErasure.objects.values_list("account_id", flat=True)) == {
        world.pat.pk,
        world.sam.pk,
        world.rae.pk,
    }
    assert not User.objects.filter(pk__in=[world.sam.pk, world.rae.pk]).exists()
    assert Attachment.objects.for_owner(world.olu).count() == 1


# --- The data download ---------------------------------------------------------------------


def _zip(client, user: User) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get("/portfolio/my-data/download.zip")
    assert response.status_code == 200 and response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_data_download_has_what_a_supervisor_and_a_referee_wrote(build) -> None:  # type: ignore[no-untyped-def]
    world = build("full")
    sam = personal_data(world.sam)
    given = sam["supervision_given"]
    assert {r["item"] for r in given["reviews"]} >= {"Signed item"}
    assert given["comments"][0]["body"] == "A thoughtful account."
    assert given["supervisions"][0]["portfolio__user__full_name"] == "Pat Practitioner"
    assert sam["register"]["endorsements_given"][0]["statement"] == "Attuned, reflective work."
    rae = personal_data(world.rae)
    (reference,) = rae["register"]["references_written"]
    assert reference["statement"] == "Warm, careful practice."
    ari = personal_data(world.ari)
    assert ari["register"]["notes_written"][0]["body"] == "Domain 4 is strong."
    pat = personal_data(world.pat)
    assert {r["by"] for r in pat["reviews_received"]} == {"Sam Supervisor"}
    assert pat["register"]["entries"][0]["number"] == world.entry.number


def test_the_zip_streams_and_stores_each_attachment_once(build, client) -> None:  # type: ignore[no-untyped-def]
    world = build("signed_off")
    # Two revisions of the signed item share one stored file.
    rows = Attachment.objects.for_owner(world.pat).filter(filename="photo.png")
    assert rows.count() == 2 and len({a.file.name for a in rows}) == 1
    archive = _zip(client, world.pat)
    names = archive.namelist()
    attachments = [n for n in names if n.startswith("attachments/")]
    assert len([n for n in attachments if n.endswith("-photo.png")]) == 1
    data = json.loads(archive.read("data.json"))
    item = next(
        e for e in data["portfolio"]["evidence"] if e["revisions"][0]["title"] == "Signed item"
    )
    paths = {a["file"] for r in item["revisions"] for a in r["attachments"]}
    assert len(paths) == 1 and paths <= set(names)
    assert archive.read(paths.pop()) == png_bytes()
    assert any(n.startswith("exports/") and n.endswith(".pdf") for n in names)


# --- Findings 2, 3 and 4 of issue 11 through the public paths only (each failed before) ----


def _delete_own_account(client, user: User):  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.raise_request_exception = False
    return client.post("/portfolio/delete-account/", {"password": PASSWORD})


def test_finding_2_a_practitioner_with_submitted_work_can_delete(  # type: ignore[no-untyped-def]
    client, practitioner, supervisor, commit
) -> None:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence_submit(
        evidence=make_evidence(practitioner.portfolio), supervision=supervision, by=practitioner
    )
    with commit():
        response = _delete_own_account(client, practitioner)
    assert response.status_code == 302  # was 500 (protected foreign keys), after logging out
    assert not User.objects.filter(pk=practitioner.pk).exists()


def test_finding_3_a_supervisor_who_leaves_is_no_active_supervisor(  # type: ignore[no-untyped-def]
    client, practitioner, supervisor, commit
) -> None:
    make_supervision(practitioner.portfolio, supervisor)
    with commit():
        _delete_own_account(client, supervisor)
    checks = {c.label: c.met for c in register_selectors.eligibility(practitioner.portfolio, 2)}
    assert checks["An active supervisor"] is False  # was True: an active row with nobody in it


def test_finding_4_the_pdf_goes_and_its_code_still_verifies(  # type: ignore[no-untyped-def]
    client, practitioner, commit
) -> None:
    export = make_export(practitioner)
    path = Path(settings.MEDIA_ROOT, export.file.name)
    assert path.exists()
    with commit():
        _delete_own_account(client, practitioner)
    assert not path.exists()  # was left on disk
    page = client.get(f"/verify/{export.code}/")
    # was 404 "No document was issued", so a genuine PDF read as a forgery
    assert page.status_code == 200
    assert "account has since been closed" in page.content.decode()
