"""Issue 6: PDF portfolio exports, revalidation packs and the public verify pages.

Rendering a real PDF takes seconds, so only a few tests do: one shared, rolled-back render of
a rich portfolio for the read-back assertions (see `portfolio_pdf`), and one each for the
revalidation pack, the request flow and upload verification. Everything about states,
retries, queues and expiry uses `fake_render`, which stands in for
`portfolios.exports.pdf.render_pdf` only; the HTML is still built from the snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import kombu.exceptions
import pypdf
import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, transaction
from django.test import override_settings
from django.utils import timezone
from pypdf.generic import ContentStream

from competencies.models import Level
from competencies.services import framework_import
from portfolios.exports import services as exports
from portfolios.exports import tasks, worker
from portfolios.exports.models import (
    ExportEvent,
    PortfolioExport,
    PracticeHours,
    ReflectiveDiscussion,
    private_storage,
)
from portfolios.exports.pdf import ATTACHMENT_HOST, Rendered, SnapshotFetcher, render_html
from portfolios.exports.revalidation.records import discussion_add, practice_hours_add
from portfolios.exports.snapshot import ExportOptions, build_snapshot
from portfolios.services import attachment_add
from portfolios.supervision.services import evidence_submit, review_sign_off
from tests.conftest import shipped_framework_data
from tests.factories import (
    REFLECTION,
    UserFactory,
    make_evidence,
    make_portfolio,
    make_supervision,
    png_bytes,
)

pytestmark = pytest.mark.django_db

Status = PortfolioExport.Status
EXPORTS_URL = "/portfolio/exports/"


# --- Helpers -------------------------------------------------------------------------------


def squash(text: str) -> str:
    """Text extraction breaks lines wherever the PDF does; compare on single spaces."""
    return " ".join(text.split())


def long_date(moment: dt.datetime | dt.date) -> str:
    """'23 November 2026': how the PDF and the verify page write a date."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return f"{moment.day} {moment:%B %Y}"


def days_from_today(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def as_date_boxes(data: dict[str, Any]) -> dict[str, Any]:
    """The export form's dates are day / month / year boxes (name_0, name_1, name_2)."""
    out = {}
    for key, value in data.items():
        if key.startswith("period_"):
            year, _, rest = str(value).partition("-")
            month, _, day = rest.partition("-")
            out |= {f"{key}_0": day or value, f"{key}_1": month, f"{key}_2": year}
        else:
            out[key] = value
    return out


def cpd(portfolio, title: str, hours: str, participatory: bool, **extra):  # type: ignore[no-untyped-def]
    return make_evidence(
        portfolio,
        kind="cpd_activity",
        title=title,
        hours=Decimal(hours),
        is_participatory=participatory,
        details={"provider": "Example Training Collective"},
        **extra,
    )


def signed_off(portfolio, supervision, supervisor, **kwargs):  # type: ignore[no-untyped-def]
    """An evidence item submitted to `supervision` and signed off by `supervisor`."""
    evidence = make_evidence(portfolio, **kwargs)
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=portfolio.user)
    review_sign_off(revision=revision, by=supervisor, declared=True)
    return evidence


def request_export(user, capture, *, execute: bool = True, **options: Any) -> PortfolioExport:  # type: ignore[no-untyped-def]
    options = {"kind": "portfolio", "level": 2, **options}
    with capture(execute=execute):
        export, _ = exports.export_request(user=user, options=ExportOptions(**options))
    export.refresh_from_db()
    return export


def events(export: PortfolioExport) -> list[tuple[str, str]]:
    return list(ExportEvent.objects.filter(export=export).values_list("from_status", "to_status"))


def stored_exports(owner_id: int) -> list[str]:
    storage = private_storage()
    folder = f"exports/{owner_id}"
    return sorted(storage.listdir(folder)[1]) if storage.exists(folder) else []


def stored_bytes(export: PortfolioExport) -> bytes:
    with private_storage().open(export.file.name, "rb") as fh:
        return fh.read()


def drawn_images(content: ContentStream, resources: Any, reader: pypdf.PdfReader) -> int:
    """Raster images a content stream draws (`Do`), looking inside the forms it draws.
    WeasyPrint shares one resource dictionary between pages, so the operators are what
    tell which page shows which image."""
    count = 0
    xobjects = resources.get("/XObject", {}) if resources else {}
    for operands, operator in content.operations:
        if operator != b"Do":
            continue
        obj = xobjects[operands[0]].get_object()
        if obj["/Subtype"] == "/Image":
            count += 1
        elif obj["/Subtype"] == "/Form":
            form_resources = obj.get("/Resources") or resources
            count += drawn_images(ContentStream(obj, reader), form_resources, reader)
    return count


class FakeRender:
    """Stands in for `render_pdf`: distinct bytes per document and call, and a call count."""

    def __init__(self) -> None:
        self.calls = 0
        self.failures: list[Exception] = []

    def __call__(self, html: str, attachments: set[int], on_layout=None) -> Rendered:  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        if on_layout:
            on_layout(1)
        digest = hashlib.sha256(html.encode()).hexdigest()
        body = f"%PDF-1.7\n% test render {self.calls} of {digest}\n%%EOF\n".encode()
        return Rendered(pdf=body, pages=1, layout_s=0.0, write_s=0.0)


class BrokerDown:
    """Stands in for `render_export.delay` while Redis is unreachable."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, export_id: int) -> None:
        self.calls.append(export_id)
        raise kombu.exceptions.OperationalError("[Errno 111] Connection refused")


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Export files live under exports/<owner_id>/; ids repeat between tests (rolled back),
    # so each test gets its own folder and can count what it stored.
    settings.MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def fake_render(monkeypatch: pytest.MonkeyPatch) -> FakeRender:
    fake = FakeRender()
    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)
    return fake


@pytest.fixture
def worker_retries():  # type: ignore[no-untyped-def]
    """Eager tasks that retry as a worker would, instead of raising `Retry` at the caller."""
    from imhcpd.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.fixture
def signed_in(client, practitioner):  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    return client


@pytest.fixture
def done_export(practitioner, fake_render, django_capture_on_commit_callbacks) -> PortfolioExport:  # type: ignore[no-untyped-def]
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.DONE
    return export


# --- 1. The portfolio PDF, read back ------------------------------------------------------


@dataclass
class ReadBack:
    """What the shared render leaves behind: plain values, no database rows."""

    pdf: bytes
    pages: list[str]
    page_count: int
    file_sha256: str
    status: str
    code: str
    issued: str
    person: dict[str, str]
    level_label: str
    illustrative: bool
    supervisor_name: str
    attachment_name: str
    attachment_sha256: str
    outline: list[str] = field(default_factory=list)
    top_outline: list[str] = field(default_factory=list)
    image_pages: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.pages)


def _outline_titles(outline: list[Any], top: bool = False) -> list[str]:
    titles: list[str] = []
    for entry in outline:
        if isinstance(entry, list):
            if not top:
                titles += _outline_titles(entry)
        else:
            titles.append(entry.title)
    return titles


@pytest.fixture(scope="module")
def portfolio_pdf(django_db_setup, django_db_blocker, tmp_path_factory) -> ReadBack:  # type: ignore[no-untyped-def]
    """One real render shared by the read-back tests. Everything is made inside a transaction
    that is rolled back before any test runs, and the files are removed, so no test sees a
    row or file of it; only bytes and plain values leave."""
    media = tmp_path_factory.mktemp("readback")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        framework = framework_import(data=shipped_framework_data(), activate=True)
        user = UserFactory(email="readback@example.org", full_name="Robin Readback")
        signer = UserFactory(email="signer@example.org", full_name="Sol Signer")
        portfolio = make_portfolio(user, framework, registration_number="00X0000X")
        supervision = make_supervision(portfolio, signer)
        signed_off(portfolio, supervision, signer, title="Feeding observation", codes=["1.01"])
        cpd(portfolio, "Attachment theory day", "1.5", participatory=True)
        cpd(portfolio, "Online module on sleep", "2.25", participatory=False)
        photo = make_evidence(
            portfolio,
            kind="other",
            title="Poster I made",
            codes=["2.01"],
            details={"description": "A poster for the clinic waiting room."},
        )
        upload = SimpleUploadedFile("poster.png", png_bytes(), content_type="image/png")
        attachment = attachment_add(evidence=photo, upload=upload, by=user)
        export, _ = exports.export_request(
            user=user, options=ExportOptions(kind="portfolio", level=2)
        )
        worker.export_run(export_id=export.pk)
        export.refresh_from_db()
        pdf = stored_bytes(export)
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        result = ReadBack(
            pdf=pdf,
            pages=[squash(page.extract_text()) for page in reader.pages],
            page_count=export.page_count or 0,
            file_sha256=export.file_sha256,
            status=export.status,
            code=export.code,
            issued=long_date(export.created_at),
            person={
                "name": user.full_name,
                "profession": portfolio.profession_label,
                "body": portfolio.get_professional_body_display(),
                "registration_number": portfolio.registration_number,
            },
            level_label=f"Level 2 — {Level.objects.get(framework=framework, number=2).name}",
            illustrative=framework.is_illustrative,
            supervisor_name=signer.full_name,
            attachment_name=attachment.filename,
            attachment_sha256=attachment.sha256,
            outline=_outline_titles(reader.outline),
            top_outline=_outline_titles(reader.outline, top=True),
            image_pages=[
                i
                for i, page in enumerate(reader.pages)
                if drawn_images(page.get_contents(), page["/Resources"], reader)
            ],
        )
        default_storage.delete(attachment.file.name)
        private_storage().delete(export.file.name)
        transaction.set_rollback(True)
    return result


def test_the_portfolio_pdf_is_rendered_and_hashed(portfolio_pdf: ReadBack) -> None:
    assert portfolio_pdf.status == Status.DONE
    assert portfolio_pdf.pdf.startswith(b"%PDF-")
    assert portfolio_pdf.file_sha256 == hashlib.sha256(portfolio_pdf.pdf).hexdigest()
    assert portfolio_pdf.page_count == len(portfolio_pdf.pages) > 7


def test_the_cover_names_the_practitioner_and_how_to_verify(portfolio_pdf: ReadBack) -> None:
    cover = portfolio_pdf.pages[0]
    person = portfolio_pdf.person
    assert person["name"] in cover
    assert person["profession"] in cover
    assert person["body"] in cover
    assert person["registration_number"] in cover
    assert portfolio_pdf.level_label in cover
    assert "Date of export" in cover
    assert portfolio_pdf.issued in cover
    assert portfolio_pdf.code in cover
    assert f"{django_settings.SITE_URL}/verify/{portfolio_pdf.code}/" in cover


def test_every_page_has_a_page_x_of_n_footer_and_the_code(portfolio_pdf: ReadBack) -> None:
    total = len(portfolio_pdf.pages)
    for number, text in enumerate(portfolio_pdf.pages, start=1):
        assert f"Page {number} of {total}" in text
        assert f"Verification code {portfolio_pdf.code}" in text


def test_a_signed_off_item_carries_its_supervisor_and_declaration(portfolio_pdf: ReadBack) -> None:
    (page,) = [p for p in portfolio_pdf.pages if "Feeding observation" in p and "Declaration" in p]
    assert f"Signed off by {portfolio_pdf.supervisor_name}" in page
    assert (
        "I have reviewed this evidence and it demonstrates the linked competencies at Level 2."
        in page
    )


def test_the_cpd_log_totals_the_hours(portfolio_pdf: ReadBack) -> None:
    (page,) = [p for p in portfolio_pdf.pages if "Total CPD hours" in p]
    assert "Attachment theory day" in page
    assert "Online module on sleep" in page
    assert re.search(r"Total CPD hours \(2 activities\) 3\.75 1\.50 participatory", page)


def test_the_outline_has_one_bookmark_per_domain(portfolio_pdf: ReadBack) -> None:
    domains = [t for t in portfolio_pdf.outline if t.startswith("Domain ")]
    assert len(domains) == 7
    assert [t.split(":")[0] for t in domains] == [f"Domain {n}" for n in range(1, 8)]
    # They are top-level entries, each with its competencies beneath it.
    assert [t for t in portfolio_pdf.top_outline if t.startswith("Domain ")] == domains
    assert "1.01 Working collaboratively with the whole family" in portfolio_pdf.outline


def test_the_illustrative_framework_is_flagged(portfolio_pdf: ReadBack) -> None:
    assert portfolio_pdf.illustrative
    assert "They are not AiMH UK's official wording." in portfolio_pdf.pages[0]
    # The footer of every page says so too.
    assert all("illustrative competency text, not AiMH UK's" in p for p in portfolio_pdf.pages[1:])
    assert "they are not AiMH UK's official wording." in portfolio_pdf.pages[-1]  # about page


def test_the_illustrative_note_follows_the_framework(practitioner) -> None:  # type: ignore[no-untyped-def]
    snapshot = build_snapshot(practitioner.portfolio, ExportOptions(kind="portfolio", level=2))
    meta = {
        "code": "TEST-CODE-TEST",
        "verify_url": "http://testserver/verify/TEST-CODE-TEST/",
        "qr": "",
        "issued_at": timezone.now().isoformat(),
        "kind_label": "IMH portfolio",
        "title": "IMH portfolio",
    }
    assert "not AiMH UK" in render_html(snapshot, meta)
    snapshot["framework"]["illustrative"] = False
    assert "not AiMH UK" not in render_html(snapshot, meta)


def test_an_embedded_png_is_drawn_with_its_item_and_hashed_in_the_appendix(
    portfolio_pdf: ReadBack,
) -> None:
    (item_page,) = [i for i, text in enumerate(portfolio_pdf.pages) if "· Poster I made" in text]
    assert f"{portfolio_pdf.attachment_name} (" in portfolio_pdf.pages[item_page]
    # The picture itself is drawn on that page, and it is the only raster image in the PDF.
    assert portfolio_pdf.image_pages == [item_page]
    # Its SHA-256 is listed once, in the appendix, not beside the item.
    pages = [
        i for i, text in enumerate(portfolio_pdf.pages) if portfolio_pdf.attachment_sha256 in text
    ]
    assert len(pages) == 1
    assert "Appendix: attachment checksums" in portfolio_pdf.pages[pages[0]]
    assert pages[0] != item_page


# --- 2. Revalidation pack -------------------------------------------------------------------


def test_revalidation_packs_are_no_longer_asked_for_here(
    signed_in, practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # Issue 13: each regulator's pack is asked for from the revalidation pages.
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(EXPORTS_URL, {"kind": "revalidation", "level": "2"})
    assert response.status_code == 400
    assert "made from your revalidation page" in response.content.decode()
    assert not PortfolioExport.objects.exists()


# --- 3. Request, progress, dedupe, download -----------------------------------------------


def test_asking_for_a_pdf_makes_it_and_offers_the_download(
    signed_in, practitioner, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    make_evidence(practitioner.portfolio, title="First reflection")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "2"})
    export = PortfolioExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portfolio/exports/{export.pk}/"
    # Created pending by the practitioner, then made by the (eager) worker.
    assert events(export) == [("", "pending"), ("pending", "running"), ("running", "done")]
    assert export.events.first().actor == practitioner
    assert export.status == Status.DONE
    assert (export.kind, export.level, export.progress) == ("portfolio", 2, 100)

    detail = signed_in.get(response["Location"])
    body = detail.content.decode()
    assert detail.status_code == 200
    assert 'data-testid="export-ready"' in body
    assert 'http-equiv="refresh"' not in body
    assert 'tag--green">Ready</strong>' in body
    # The checksum is for whoever checks the PDF (verify page, PDF appendix), not the owner.
    assert export.file_sha256 not in body
    assert "SHA-256" not in body

    download = signed_in.get(f"/portfolio/exports/{export.pk}/download/")
    # Reading the stream to its end closes the response; closing it again here would send
    # request_finished and close the test's PostgreSQL connection.
    content = b"".join(download.streaming_content)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="imh-portfolio-{export.created_at:%Y-%m-%d}-{export.code}.pdf"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == export.file_sha256
    assert len(content) == export.file_size
    # Always emailed, with the link and the code.
    (email,) = mail.outbox
    assert email.to == ["practitioner@example.org"]
    assert email.subject.endswith("Your PDF is ready")
    assert f"/portfolio/exports/{export.pk}/" in email.body
    assert export.code in email.body

    # The same request again: nothing changed, so the same export and no new render.
    fake = FakeRender()
    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)
    with django_capture_on_commit_callbacks(execute=True):
        again = signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "2"}, follow=True)
    assert again.redirect_chain == [(f"/portfolio/exports/{export.pk}/", 302)]
    assert "Nothing has changed" in again.content.decode()
    assert PortfolioExport.objects.count() == 1
    assert fake.calls == 0
    assert len(mail.outbox) == 1

    # A new item changes the portfolio: a new export is made.
    make_evidence(practitioner.portfolio, title="Second reflection")
    with django_capture_on_commit_callbacks(execute=True):
        changed = signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "2"})
    newer = PortfolioExport.objects.exclude(pk=export.pk).get()
    assert changed["Location"] == f"/portfolio/exports/{newer.pk}/"
    assert newer.status == Status.DONE
    assert newer.code != export.code
    assert fake.calls == 1
    # A different level is different content too.
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "1"})
    assert PortfolioExport.objects.count() == 3
    listing = signed_in.get(EXPORTS_URL).content.decode()
    assert listing.count('data-testid="export"') == 3


def test_an_unfinished_export_shows_progress_for_htmx_and_refreshes_without_js(
    signed_in, practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    export = request_export(practitioner, django_capture_on_commit_callbacks, execute=False)
    assert export.status == Status.PENDING
    url = f"/portfolio/exports/{export.pk}/"

    partial = signed_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="export-progress"')
    assert "<html" not in partial
    assert f'hx-get="{url}"' in partial
    assert "Waiting in the queue" in partial

    page = signed_in.get(url).content.decode()
    assert "<html" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page

    PortfolioExport.objects.filter(pk=export.pk).update(
        status=Status.RUNNING, progress=40, stage="Laying out the pages"
    )
    partial = signed_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-valuenow="40"' in partial
    assert "Laying out the pages" in partial

    PortfolioExport.objects.filter(pk=export.pk).update(status=Status.PENDING)
    worker.export_run(export_id=export.pk)
    partial = signed_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in partial  # finished: polling stops
    assert 'data-testid="export-ready"' in partial
    assert 'http-equiv="refresh"' not in signed_in.get(url).content.decode()


# --- 4. Bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "certificate", "level": "2"}, "Select a valid choice"),
        ({"kind": "application", "level": "2"}, "Select a valid choice"),
        ({"kind": "portfolio", "level": "4"}, "Select a valid choice"),
        ({"kind": "portfolio", "level": ""}, "This field is required."),
        ({"kind": "portfolio", "level": "2", "period_end": 1}, "cannot end in the future"),
        ({"kind": "revalidation", "level": "2"}, "made from your revalidation page"),
        (
            {"kind": "portfolio", "level": "2", "period_start": -10, "period_end": -20},
            "The period must start before it ends.",
        ),
        ({"kind": "portfolio", "level": "2", "period_start": 5}, "cannot start in the future"),
        ({"kind": "portfolio", "level": "2", "period_start": "last week"}, "Enter a valid date"),
    ],
)
def test_a_bad_export_request_is_refused_without_an_export(
    signed_in, fake_render, django_capture_on_commit_callbacks, data, message
) -> None:  # type: ignore[no-untyped-def]
    data = as_date_boxes(
        {k: days_from_today(v) if isinstance(v, int) else v for k, v in data.items()}
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = signed_in.post(EXPORTS_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PortfolioExport.objects.count() == 0
    assert callbacks == []
    assert fake_render.calls == 0


def test_the_service_refuses_what_the_form_would(practitioner) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    for options, message in [
        (ExportOptions(kind="application", level=2), "Choose an IMH portfolio"),
        (ExportOptions(kind="portfolio", level=0), "Choose Level 1, 2 or 3."),
        (
            ExportOptions(
                kind="portfolio",
                level=2,
                period_start=today,
                period_end=today - dt.timedelta(days=1),
            ),
            "must start before it ends",
        ),
        (
            ExportOptions(kind="portfolio", level=2, period_start=today + dt.timedelta(days=1)),
            "cannot start in the future",
        ),
    ]:
        with pytest.raises(exports.ExportError, match=message):
            exports.export_request(user=practitioner, options=options)
    assert PortfolioExport.objects.count() == 0


# --- 5. Permissions -----------------------------------------------------------------------

EXPORT_PERSONAS = ["practitioner", "other_practitioner", "supervisor", "anonymous"]
EXPORT_MATRIX = [
    # method, url, what the owner gets (everyone else: 404; anonymous: sign in)
    ("GET", "/portfolio/exports/{export}/", 200),
    ("GET", "/portfolio/exports/{export}/download/", 200),
    ("POST", "/portfolio/exports/{export}/retry/", 409),  # it is done, not failed
    ("POST", "/portfolio/revalidation/practice-hours/delete/{hours}/", 302),
    ("POST", "/portfolio/revalidation/discussions/delete/{discussion}/", 302),
]


@pytest.fixture
def owned_exports(practitioner, done_export) -> dict[str, int]:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    portfolio = practitioner.portfolio
    hours = practice_hours_add(
        portfolio=portfolio,
        by=practitioner,
        data={"start": today, "end": today, "hours": Decimal("7.5"), "role": "HV"},
    )
    discussion = discussion_add(
        portfolio=portfolio,
        by=practitioner,
        data={"date": today, "partner_name": "Dee", "summary": "Talked."},
        accounts=[],
    )
    return {"export": done_export.pk, "hours": hours.pk, "discussion": discussion.pk}


@pytest.mark.parametrize("persona", EXPORT_PERSONAS)
@pytest.mark.parametrize(("method", "url", "owner_gets"), EXPORT_MATRIX)
def test_export_permissions(
    persona_client, owned_exports, other_practitioner, supervisor, persona, method, url, owner_gets
) -> None:  # type: ignore[no-untyped-def]
    client = persona_client(persona)
    path = url.format(**owned_exports)
    response = client.get(path) if method == "GET" else client.post(path)
    if persona == "practitioner":
        assert response.status_code == owner_gets
        return
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 404
    # Nothing changed hands.
    export = PortfolioExport.objects.get(pk=owned_exports["export"])
    assert export.status == Status.DONE
    assert list(export.events.values_list("to_status", flat=True)) == [
        "pending",
        "running",
        "done",
    ]
    assert PracticeHours.objects.filter(pk=owned_exports["hours"]).exists()
    assert ReflectiveDiscussion.objects.filter(pk=owned_exports["discussion"]).exists()


def test_nobody_else_sees_an_export_in_their_list(
    client, owned_exports, other_practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    code = PortfolioExport.objects.get().code
    client.force_login(other_practitioner)
    listing = client.get(EXPORTS_URL)
    assert listing.status_code == 200
    assert code not in listing.content.decode()
    assert "Dee" not in client.get("/portfolio/revalidation/discussions/").content.decode()
    client.force_login(supervisor)  # no portfolio of their own: sent to set one up
    assert client.get(EXPORTS_URL)["Location"] == "/portfolio/setup/"


# --- 6. Failures, retries and idempotence ------------------------------------------------


def test_a_failed_render_is_recorded_and_can_be_retried(
    signed_in, practitioner, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> Rendered:
        raise ValueError("layout exploded")

    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "2"})
    export = PortfolioExport.objects.get()
    assert export.status == Status.FAILED
    assert export.error == "The PDF could not be made (ValueError)."
    assert (export.stage, export.worker_pid, export.file.name) == ("Failed", None, "")
    assert export.finished_at is not None
    assert events(export) == [("", "pending"), ("pending", "running"), ("running", "failed")]
    assert export.events.last().detail == export.error
    assert private_storage().exists(f"exports/{practitioner.pk}") is False

    detail = signed_in.get(f"/portfolio/exports/{export.pk}/").content.decode()
    assert 'data-testid="export-failed"' in detail
    assert "The PDF could not be made (ValueError)." in detail
    assert f'action="/portfolio/exports/{export.pk}/retry/"' in detail
    assert signed_in.get(f"/portfolio/exports/{export.pk}/download/").status_code == 404

    fake = FakeRender()
    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", fake)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portfolio/exports/{export.pk}/retry/")
    assert (response.status_code, response["Location"]) == (302, f"/portfolio/exports/{export.pk}/")
    export.refresh_from_db()
    assert export.status == Status.DONE
    assert (export.error, export.attempts, fake.calls) == ("", 1, 1)
    assert events(export)[3:] == [
        ("failed", "pending"),
        ("pending", "running"),
        ("running", "done"),
    ]
    retry_event = export.events.get(from_status="failed")
    assert (retry_event.actor, retry_event.detail) == (practitioner, "retry requested")
    assert stored_exports(practitioner.pk) == [Path(export.file.name).name]

    again = signed_in.post(f"/portfolio/exports/{export.pk}/retry/")
    assert again.status_code == 409
    assert "Only a failed export can be tried again." in again.content.decode()
    assert PortfolioExport.objects.get().status == Status.DONE


def test_a_failed_export_does_not_stop_a_new_request(
    practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    fake_render.failures = [ValueError("boom")]
    failed = request_export(practitioner, django_capture_on_commit_callbacks)
    assert failed.status == Status.FAILED
    fresh = request_export(practitioner, django_capture_on_commit_callbacks)
    assert fresh.pk != failed.pk
    assert fresh.status == Status.DONE


@pytest.mark.parametrize(
    "error",
    [
        worker.TransientExportError("storage: disk briefly full"),
        OperationalError("database is locked"),
    ],
    ids=["TransientExportError", "OperationalError"],
)
def test_a_transient_error_is_retried_until_it_succeeds(
    practitioner, fake_render, worker_retries, django_capture_on_commit_callbacks, error
) -> None:  # type: ignore[no-untyped-def]
    fake_render.failures = [error, error]
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.DONE
    assert (export.attempts, fake_render.calls) == (3, 3)
    details = list(export.events.values_list("detail", flat=True))
    retrying = "interrupted by a transient error; retrying"
    assert details == [
        "requested",
        "attempt 1",
        retrying,
        "attempt 2",
        retrying,
        "attempt 3",
        "1 pages",
    ]
    assert stored_exports(practitioner.pk) == [Path(export.file.name).name]


def test_a_transient_error_fails_the_export_after_the_last_retry(
    practitioner, fake_render, worker_retries, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    fake_render.failures = [OperationalError("database is locked")] * 10
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.FAILED
    assert export.error == "The file store or database was unavailable."
    # The first run and max_retries (3) more.
    assert (export.attempts, fake_render.calls) == (4, 4)
    assert events(export)[-1] == ("running", "failed")
    assert stored_exports(practitioner.pk) == []


def test_a_storage_error_while_saving_is_transient(
    practitioner, fake_render, worker_retries, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from imhcpd.storage import PrivateFileSystemStorage

    real_save = PrivateFileSystemStorage._save
    failures = [OSError("No space left on device")]

    def flaky_save(self, name, content):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real_save(self, name, content)

    monkeypatch.setattr(PrivateFileSystemStorage, "_save", flaky_save)
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.DONE
    assert export.attempts == 2
    assert stored_exports(practitioner.pk) == [Path(export.file.name).name]


def test_a_transient_error_is_retried_in_eager_mode(
    practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    fake_render.failures = [OperationalError("database is locked")]
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    assert export.status == Status.DONE


def test_running_a_finished_export_again_changes_nothing(
    practitioner, done_export, fake_render
) -> None:  # type: ignore[no-untyped-def]
    before = (done_export.file.name, done_export.file_sha256, stored_bytes(done_export))
    for _ in range(2):
        worker.export_run(export_id=done_export.pk)
        tasks.render_export.delay(done_export.pk)
    done_export.refresh_from_db()
    assert fake_render.calls == 1
    assert (done_export.file.name, done_export.file_sha256, stored_bytes(done_export)) == before
    assert ExportEvent.objects.filter(export=done_export, to_status=Status.DONE).count() == 1
    assert stored_exports(practitioner.pk) == [Path(done_export.file.name).name]


def test_an_export_left_running_is_rendered_again_and_its_file_replaced(
    practitioner, done_export, fake_render
) -> None:  # type: ignore[no-untyped-def]
    old_bytes = stored_bytes(done_export)
    # The worker stored the file, then died before it could say so; its start is past the
    # render's hard time limit, so no one is rendering it any more.
    PortfolioExport.objects.filter(pk=done_export.pk).update(
        status=Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(seconds=worker.RENDER_TIME_LIMIT + 1),
    )
    worker.export_run(export_id=done_export.pk)
    done_export.refresh_from_db()
    new_bytes = stored_bytes(done_export)
    assert fake_render.calls == 2
    assert done_export.status == Status.DONE
    assert new_bytes != old_bytes
    assert done_export.file_sha256 == hashlib.sha256(new_bytes).hexdigest()
    assert done_export.file.name.startswith(
        f"exports/{practitioner.pk}/{done_export.pk}-{done_export.code}-"
    )
    assert stored_exports(practitioner.pk) == [Path(done_export.file.name).name]
    assert done_export.attempts == 2


def test_a_duplicate_run_that_finishes_first_keeps_its_file(
    practitioner, monkeypatch, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """Two deliveries of one job (beat re-queued it while its message was still queued, and
    two workers took both): the second finishes while the first is still rendering."""
    export = request_export(practitioner, django_capture_on_commit_callbacks, execute=False)
    duplicate_ran = []

    def slow_first_render(html, attachments, on_layout=None):  # type: ignore[no-untyped-def]
        if not duplicate_ran:
            duplicate_ran.append(True)
            worker.export_run(export_id=export.pk)  # the duplicate, start to finish
        return fake_render(html, attachments, on_layout)

    monkeypatch.setattr("portfolios.exports.pdf.render_pdf", slow_first_render)
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.DONE
    assert private_storage().exists(export.file.name)
    assert hashlib.sha256(stored_bytes(export)).hexdigest() == export.file_sha256


def test_an_export_started_too_often_is_failed_not_rendered(
    practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    export = request_export(practitioner, django_capture_on_commit_callbacks, execute=False)
    PortfolioExport.objects.filter(pk=export.pk).update(
        status=Status.RUNNING, attempts=worker.MAX_STARTS
    )
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.FAILED
    assert export.error == "The PDF could not be made after several attempts."
    assert fake_render.calls == 0


def test_an_export_of_a_deactivated_account_is_not_rendered(
    practitioner, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    export = request_export(practitioner, django_capture_on_commit_callbacks, execute=False)
    practitioner.is_active = False
    practitioner.save(update_fields=["is_active"])
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.FAILED
    assert export.error == "This export is no longer permitted for this account."
    assert fake_render.calls == 0


# --- 7. Broker down and re-queueing -------------------------------------------------------


def test_a_request_survives_the_broker_being_down_and_is_queued_again(
    signed_in, practitioner, settings, monkeypatch, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = BrokerDown()
    start = timezone.now()
    with monkeypatch.context() as m:
        m.setattr(tasks.render_export, "delay", broker)
        with (
            time_machine.travel(start, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = signed_in.post(EXPORTS_URL, {"kind": "portfolio", "level": "2"})
        export = PortfolioExport.objects.get()
        assert response.status_code == 302
        assert broker.calls == [export.pk]
        assert (export.status, export.attempts, fake_render.calls) == (Status.PENDING, 0, 0)
        assert events(export) == [("", "pending")]

        detail = signed_in.get(f"/portfolio/exports/{export.pk}/").content.decode()
        assert "Waiting in the queue" in detail
        assert "will be made as soon as a worker is free" in detail
        assert 'http-equiv="refresh"' in detail
        assert "Queued" in signed_in.get(EXPORTS_URL).content.decode()

        # Within the grace period nothing is re-queued.
        with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
            assert tasks.requeue_stale_exports() == 0
        assert broker.calls == [export.pk]
        # Later, still down: tried again, still pending.
        later = start + dt.timedelta(minutes=3)
        with time_machine.travel(later, tick=False):
            assert tasks.requeue_stale_exports() == 0
        assert broker.calls == [export.pk, export.pk]
        export.refresh_from_db()
        assert export.status == Status.PENDING
        assert export.queued_at == later

    # The broker is back: beat's task queues it and the worker makes it.
    with time_machine.travel(later + dt.timedelta(minutes=3), tick=False):
        assert tasks.requeue_stale_exports.apply().get() == 1
    export.refresh_from_db()
    assert export.status == Status.DONE
    assert fake_render.calls == 1


def test_in_eager_mode_an_unreachable_broker_is_an_error(
    practitioner, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(tasks.render_export, "delay", BrokerDown())
    with pytest.raises(kombu.exceptions.OperationalError):
        request_export(practitioner, django_capture_on_commit_callbacks)


def test_an_export_whose_worker_was_lost_is_queued_again(
    practitioner, monkeypatch, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    lost = request_export(practitioner, django_capture_on_commit_callbacks, execute=False)
    busy = request_export(practitioner, django_capture_on_commit_callbacks, execute=False, level=1)
    now = timezone.now()
    limit = dt.timedelta(seconds=tasks.render_export.time_limit)
    PortfolioExport.objects.filter(pk=lost.pk).update(
        status=Status.RUNNING, attempts=1, started_at=now - limit - dt.timedelta(minutes=5)
    )
    PortfolioExport.objects.filter(pk=busy.pk).update(
        status=Status.RUNNING, attempts=1, started_at=now - dt.timedelta(seconds=30)
    )
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_export, "delay", queued.append)

    assert tasks.requeue_stale_exports(now=now) == 1
    assert queued == [lost.pk]
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, lost.queued_at) == (Status.PENDING, now)
    assert lost.events.last().detail == "worker lost; re-queued"
    assert events(lost)[-1] == ("running", "pending")
    assert busy.status == Status.RUNNING

    # The re-queued job then renders as normal (its earlier start still counts).
    worker.export_run(export_id=lost.pk)
    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == (Status.DONE, 2)


# --- 8. Expiry ----------------------------------------------------------------------------


def test_an_expired_export_loses_its_file_but_stays_verifiable(
    client, practitioner, done_export, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    original = stored_bytes(done_export)
    name = done_export.file.name
    with time_machine.travel(timezone.now() + dt.timedelta(days=29), tick=False):
        assert worker.expire_exports() == 0
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.expire_exports.apply().get() == 1
    done_export.refresh_from_db()
    assert done_export.status == Status.EXPIRED
    assert (done_export.file.name, done_export.snapshot) == ("", {})
    assert not private_storage().exists(name)
    assert stored_exports(practitioner.pk) == []
    assert events(done_export)[-1] == ("done", "expired")
    assert worker.expire_exports() == 0  # nothing more to do

    response = client.get(f"/verify/{done_export.code}/")
    assert response.status_code == 200
    assert done_export.file_sha256 in response.content.decode()
    upload = SimpleUploadedFile("copy.pdf", original, content_type="application/pdf")
    checked = client.post(f"/verify/{done_export.code}/", {"file": upload})
    assert checked.status_code == 200
    assert "The file matches byte for byte." in checked.content.decode()

    client.force_login(practitioner)
    detail = client.get(f"/portfolio/exports/{done_export.pk}/").content.decode()
    assert "This file was removed after 30 days." in detail
    assert client.get(f"/portfolio/exports/{done_export.pk}/download/").status_code == 404


# --- 9. The public verify pages -----------------------------------------------------------


def assert_private(body: str) -> None:
    assert "practitioner@example.org" not in body
    for text in REFLECTION.values():
        assert text not in body
    assert "12A3456E" not in body  # the registration number is on the PDF, not the web


def test_the_verify_page_tells_who_what_when_and_whether_sign_offs_changed(
    client, practitioner, supervisor, fake_render, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    portfolio = practitioner.portfolio
    supervision = make_supervision(portfolio, supervisor)
    signed_off(portfolio, supervision, supervisor, title="Signed before the export")
    export = request_export(practitioner, django_capture_on_commit_callbacks)
    url = f"/verify/{export.code}/"

    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert "Pat Practitioner" in body
    assert "IMH portfolio, Level 2" in body
    assert long_date(export.created_at) in body
    assert export.file_sha256 in body
    assert 'tag--green">Unchanged</strong>' in body
    assert ">Changed</strong>" not in body
    assert_private(body)

    # A draft or an edit changes no sign-off: still unchanged.
    make_evidence(portfolio, title="A new draft")
    assert "Unchanged" in client.get(url).content.decode()

    signed_off(portfolio, supervision, supervisor, title="Signed after the export")
    body = client.get(url).content.decode()
    assert 'tag--orange">Changed</strong>' in body
    assert "Unchanged" not in body
    assert_private(body)


@pytest.mark.parametrize(
    "variant",
    [
        str.lower,
        lambda c: c.replace("-", ""),
        lambda c: c.lower().replace("-", ""),
        lambda c: c.replace("-", " "),
    ],
    ids=["lowercase", "no-dashes", "lowercase-no-dashes", "spaces"],
)
def test_code_variants_redirect_to_the_canonical_code(client, done_export, variant) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/verify/{variant(done_export.code)}/")
    assert (response.status_code, response["Location"]) == (302, f"/verify/{done_export.code}/")
    lookup = client.get("/verify/", {"code": variant(done_export.code)})
    assert (lookup.status_code, lookup["Location"]) == (302, f"/verify/{done_export.code}/")


def test_unknown_or_unfinished_codes_are_not_found(
    client, practitioner, done_export, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    pending = request_export(
        practitioner, django_capture_on_commit_callbacks, execute=False, level=1
    )
    unknown = "ZZZZ-ZZZZ-ZZZZ" if done_export.code != "ZZZZ-ZZZZ-ZZZZ" else "YYYY-YYYY-YYYY"
    for code in (unknown, "ABCD", pending.code, done_export.code + "A"):
        assert client.get(f"/verify/{code}/").status_code == 404, code
    lookup = client.get("/verify/", {"code": unknown})
    assert lookup.status_code == 404
    assert "No document was issued with that code." in lookup.content.decode()
    PortfolioExport.objects.filter(pk=pending.pk).update(status=Status.FAILED)
    assert client.get(f"/verify/{pending.code}/").status_code == 404


def test_uploading_the_pdf_checks_it_byte_for_byte(
    client, practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    export = request_export(practitioner, django_capture_on_commit_callbacks)  # a real render
    client.force_login(practitioner)
    download = client.get(f"/portfolio/exports/{export.pk}/download/")
    pdf = b"".join(download.streaming_content)  # reading it to the end closes it
    client.logout()
    url = f"/verify/{export.code}/"

    exact = client.post(url, {"file": SimpleUploadedFile("mine.pdf", pdf)})
    assert exact.status_code == 200
    assert "The file matches byte for byte." in exact.content.decode()

    middle = len(pdf) // 2
    changed = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    modified = client.post(url, {"file": SimpleUploadedFile("mine.pdf", changed)})
    body = modified.content.decode()
    assert modified.status_code == 409
    assert "The file does not match." in body
    assert hashlib.sha256(changed).hexdigest() in body

    empty = client.post(url, {"file": SimpleUploadedFile("mine.pdf", b"")})
    assert empty.status_code == 400
    assert "empty" in empty.content.decode()
    assert client.post(url, {}).status_code == 400

    # Looking up by the file alone finds the same document.
    found = client.post("/verify/", {"file": SimpleUploadedFile("mine.pdf", pdf)})
    body = found.content.decode()
    assert found.status_code == 200
    assert f"Verification {export.code}" in body
    assert "The file matches byte for byte." in body
    assert_private(body)

    lost = client.post("/verify/", {"file": SimpleUploadedFile("mine.pdf", changed)})
    body = lost.content.decode()
    assert lost.status_code == 404
    assert "This file does not match any PDF we issued." in body
    assert hashlib.sha256(changed).hexdigest() in body
    assert export.code not in body
    assert client.post("/verify/", {"file": SimpleUploadedFile("e.pdf", b"")}).status_code == 400


# --- 10. Rendering loads nothing it should not -------------------------------------------


@pytest.fixture
def font_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / "Test.ttf").write_bytes(b"font bytes")
    (tmp_path / "secret.txt").write_text("not for the PDF")
    (tmp_path / "fonts-extra").mkdir()
    (tmp_path / "fonts-extra" / "Other.ttf").write_bytes(b"other font")
    (fonts / "link.ttf").symlink_to(tmp_path / "secret.txt")
    settings.PDF_FONT_DIR = fonts
    return fonts


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/logo.png",
        "https://example.org/fonts/DejaVuSans.ttf",
        "ftp://example.org/file.png",
        "//example.org/logo.png",
        "file:///etc/passwd",
        "file://{tmp}/secret.txt",
        "file://{fonts}/../secret.txt",
        "file://{tmp}/fonts-extra/Other.ttf",
        "file://{fonts}/link.ttf",
        ATTACHMENT_HOST + "999999",
        ATTACHMENT_HOST + "../etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_outside_the_fonts_and_the_export(font_dir, url) -> None:  # type: ignore[no-untyped-def]
    fetcher = SnapshotFetcher({1, 2, 3})
    with pytest.raises(ValueError):
        fetcher.fetch(url.format(fonts=font_dir, tmp=font_dir.parent))


def test_the_fetcher_serves_fonts_data_and_the_exports_own_attachments(
    font_dir, practitioner
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    attachment = attachment_add(evidence=evidence, upload=upload, by=practitioner)
    url = f"{ATTACHMENT_HOST}{attachment.pk}"

    with pytest.raises(ValueError, match="not part of this export"):
        SnapshotFetcher(set()).fetch(url)
    with pytest.raises(ValueError, match="not part of this export"):
        SnapshotFetcher({attachment.pk + 1}).fetch(url)

    fetcher = SnapshotFetcher({attachment.pk})
    response = fetcher.fetch(url)
    assert response.read() == png_bytes()
    assert response.content_type == "image/png"
    font = fetcher.fetch((font_dir / "Test.ttf").as_uri())
    assert font.read() == b"font bytes"
    font.close()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


def test_an_expired_file_the_store_would_not_remove_is_removed_later(
    practitioner, done_export, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from imhcpd.models import FileRemoval
    from imhcpd.storage import PrivateFileSystemStorage
    from imhcpd.tasks import retry_file_removals

    name = done_export.file.name
    real_delete = PrivateFileSystemStorage.delete

    def refused(self, name: str) -> None:  # type: ignore[no-untyped-def]
        raise PermissionError("read-only file system")

    monkeypatch.setattr(PrivateFileSystemStorage, "delete", refused)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert worker.expire_exports() == 1
    done_export.refresh_from_db()
    assert done_export.status == Status.EXPIRED
    assert private_storage().exists(name)
    waiting = FileRemoval.objects.get()
    assert (waiting.name, waiting.reason, waiting.attempts) == (name, "export expired", 1)
    assert "read-only file system" in waiting.last_error

    # Beat's next round, with the store writable again.
    monkeypatch.setattr(PrivateFileSystemStorage, "delete", real_delete)
    assert retry_file_removals.apply().get() == 1
    assert not private_storage().exists(name)
    assert not FileRemoval.objects.exists()
