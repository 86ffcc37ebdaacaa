"""PDF exports: request, render (in the worker), retry, re-queue, expiry and verification.

request → export row (pending) → queued after commit → `render_export` task → `export_run`
renders from the frozen snapshot → file stored privately → done (email + notification).
Status changes go through `_move`, a conditional update that also writes the audit row, so
a redelivered or duplicated task can never make two files or skip a state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.links import absolute_url
from imhcpd.models import User
from portfolios.export_models import (
    ExportEvent,
    PortfolioExport,
    PracticeHours,
    ReflectiveDiscussion,
    private_storage,
)
from portfolios.export_snapshot import (
    ExportOptions,
    build_snapshot,
    canonical_hash,
    signed_fingerprint,
)
from portfolios.models import Portfolio
from portfolios.services import TransitionError

logger = logging.getLogger(__name__)
Status = PortfolioExport.Status
ACTIVE = (Status.PENDING, Status.RUNNING, Status.DONE)
# A job started this many times without finishing is not retried again by itself.
MAX_STARTS = 4
# Pending this long means the broker never got it (it was down, or the message was lost).
PENDING_GRACE = dt.timedelta(minutes=2)


class ExportError(Exception):
    """Raised for a request that cannot be made; the message is shown to the user."""


class TransientExportError(Exception):
    """A failure worth retrying: database or storage briefly unavailable."""


def _event(
    export: PortfolioExport, by: User | None, from_status: str, to_status: str, detail: str = ""
) -> None:
    ExportEvent.objects.create(
        export=export, actor=by, from_status=from_status, to_status=to_status, detail=detail
    )


def _move(
    export: PortfolioExport,
    from_statuses: tuple[str, ...],
    to_status: str,
    *,
    by: User | None = None,
    detail: str = "",
    **fields: Any,
) -> bool:
    """False if someone (another delivery of the job, beat, the owner) moved it first."""
    return transition(export, from_statuses, to_status, by=by, detail=detail, **fields)


def enqueue(export_id: int) -> bool:
    """Hand the job to the broker; if it is down the export stays pending and beat re-queues
    it, so the request is never lost and the page never fails because Redis did."""
    from portfolios.tasks import render_export

    try:
        render_export.delay(export_id)
    except Exception:  # kombu raises several unrelated types when the broker is unreachable
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.warning("export %s: broker unavailable, left pending for re-queue", export_id)
        return False
    return True


def _validate(portfolio: Portfolio, options: ExportOptions) -> None:
    if options.kind not in (PortfolioExport.Kind.PORTFOLIO, PortfolioExport.Kind.REVALIDATION):
        raise ExportError("Choose an IMH portfolio or a revalidation pack.")
    if options.level not in (1, 2, 3):
        raise ExportError("Choose Level 1, 2 or 3.")
    if not portfolio.framework.levels.filter(number=options.level).exists():
        raise ExportError(f"This framework has no Level {options.level}.")
    start, end = options.period_start, options.period_end
    if start and end and start > end:
        raise ExportError("The period must start before it ends.")
    if start and start > timezone.localdate():
        raise ExportError("The period cannot start in the future.")


def export_create(
    *,
    owner: User,
    portfolio: Portfolio,
    kind: str,
    snapshot: dict[str, Any],
    level: int | None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> tuple[PortfolioExport, bool]:
    """Store a snapshot as a new export, or return the live export of the same content.
    The register uses this for application snapshots; `export_request` for the rest."""
    content_hash = canonical_hash(snapshot)
    with transaction.atomic():
        # Serialises a double click: the second request finds the first one's export.
        Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
        existing = (
            PortfolioExport.objects.filter(
                owner=owner, kind=kind, content_hash=content_hash, status__in=ACTIVE
            )
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing, False
        now = timezone.now()
        export = PortfolioExport.objects.create(
            owner=owner,
            portfolio=portfolio,
            kind=kind,
            level=level,
            period_start=period_start,
            period_end=period_end,
            snapshot=snapshot,
            content_hash=content_hash,
            signed_fingerprint=signed_fingerprint(portfolio),
            queued_at=now,
            expires_at=now + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS),
            stage="Waiting in the queue",
        )
        _event(export, owner, "", Status.PENDING, "requested")
        transaction.on_commit(lambda: enqueue(export.pk))
    return export, True


def export_request(*, user: User, options: ExportOptions) -> tuple[PortfolioExport, bool]:
    """Freeze the portfolio as the options describe and queue its PDF; an identical earlier
    request that is queued, running or done is returned instead (created=False)."""
    portfolio = Portfolio.objects.select_related("framework", "user").get(user=user)
    _validate(portfolio, options)
    snapshot = build_snapshot(portfolio, options)
    return export_create(
        owner=user,
        portfolio=portfolio,
        kind=options.kind,
        snapshot=snapshot,
        level=options.level,
        period_start=options.period_start,
        period_end=options.period_end,
    )


def export_retry(*, export: PortfolioExport, by: User) -> PortfolioExport:
    if export.status != Status.FAILED:
        raise TransitionError("Only a failed export can be tried again.")
    with transaction.atomic():
        moved = _move(
            export,
            (Status.FAILED,),
            Status.PENDING,
            by=by,
            detail="retry requested",
            progress=0,
            stage="Waiting in the queue",
            error="",
            attempts=0,
            queued_at=timezone.now(),
        )
        if not moved:
            raise TransitionError("This export is already being made again.")
        transaction.on_commit(lambda: enqueue(export.pk))
    return export


# --- The worker's side -----------------------------------------------------------------


def _progress(export: PortfolioExport, percent: int, stage: str) -> None:
    # Outside any transaction on purpose: the progress bar reads it while rendering goes on.
    PortfolioExport.objects.filter(pk=export.pk, status=Status.RUNNING).update(
        progress=percent, stage=stage
    )


def _meta(export: PortfolioExport) -> dict[str, Any]:
    from portfolios.pdf import qr_data_uri

    verify_url = absolute_url(reverse("verify_code", args=[export.code]))
    person = export.snapshot.get("person", {}).get("name", "")
    return {
        "code": export.code,
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "issued_at": export.created_at.isoformat(),
        "kind_label": export.get_kind_display(),
        "title": f"{export.get_kind_display()} — {person}",
    }


def export_fail(*, export: PortfolioExport, reason: str) -> None:
    _move(
        export,
        (Status.PENDING, Status.RUNNING),
        Status.FAILED,
        detail=reason,
        error=reason,
        stage="Failed",
        finished_at=timezone.now(),
        worker_pid=None,
    )


def export_run(*, export_id: int) -> PortfolioExport | None:
    """Render one export. Safe to run twice: a finished export is left alone, a running one
    (its worker died) is rendered again and its file replaced, never duplicated."""
    from portfolios.pdf import attachment_ids, render_html, render_pdf

    export = (
        PortfolioExport.objects.select_related("owner", "portfolio").filter(pk=export_id).first()
    )
    if export is None or export.is_finished:
        return export
    if export.attempts >= MAX_STARTS:
        export_fail(export=export, reason="The PDF could not be made after several attempts.")
        return export
    # Permission is checked again here: the account may have changed since the request.
    if not export.owner.is_active or export.portfolio.user_id != export.owner_id:
        export_fail(export=export, reason="This export is no longer permitted for this account.")
        return export
    started = _move(
        export,
        (Status.PENDING, Status.RUNNING),
        Status.RUNNING,
        detail=f"attempt {export.attempts + 1}",
        attempts=export.attempts + 1,
        started_at=timezone.now(),
        worker_pid=os.getpid(),
        progress=10,
        stage="Preparing the document",
    )
    if not started:
        return export

    html = render_html(export.snapshot, _meta(export))
    _progress(export, 25, "Laying out the pages")
    rendered = render_pdf(
        html,
        attachment_ids(export.snapshot),
        on_layout=lambda pages: _progress(export, 80, f"Writing {pages} pages"),
    )
    _progress(export, 92, "Storing the file")
    # Each attempt writes its own file: two overlapping runs (a re-queued message beside the
    # original) must never delete or overwrite the file the winner recorded.
    folder = f"exports/{export.owner_id}"
    prefix = f"{export.pk}-{export.code}"
    name = f"{folder}/{prefix}-{export.attempts}-{os.getpid()}.pdf"
    storage = private_storage()
    try:
        saved = storage.save(name, ContentFile(rendered.pdf))
    except OSError as exc:
        raise TransientExportError(f"storage: {exc}") from exc

    now = timezone.now()
    with transaction.atomic():
        done = _move(
            export,
            (Status.RUNNING,),
            Status.DONE,
            detail=f"{rendered.pages} pages",
            file=saved,
            file_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            file_size=len(rendered.pdf),
            page_count=rendered.pages,
            progress=100,
            stage="Ready",
            finished_at=now,
            expires_at=now + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS),
            worker_pid=None,
        )
        if done:
            _announce(export)
    if not done:  # another run finished first, or it failed or expired meanwhile
        storage.delete(saved)
        return export
    # The winner removes what earlier attempts left (a run killed after saving its file),
    # so re-running replaces the file and never leaves two.
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        files = []
    for other in files:
        if other.startswith(f"{prefix}-") and f"{folder}/{other}" != saved:
            storage.delete(f"{folder}/{other}")
    return export


def _announce(export: PortfolioExport) -> None:
    from portfolios.supervision import _email_after_commit, notify

    path = reverse("portfolios:export_detail", args=[export.pk])
    text = f"Your {export.get_kind_display().lower()} PDF is ready to download."
    notify(export.owner, text, path, email=False)
    # Always emailed, whatever the notification preferences: the person asked for this file.
    _email_after_commit(
        export.owner.email,
        "Your PDF is ready",
        f"{text}\n\n{absolute_url(path)}\n\nIt can be downloaded for "
        f"{settings.EXPORT_RETENTION_DAYS} days; its verification code is {export.code}.\n",
    )


# --- Housekeeping (Celery beat) -------------------------------------------------------------


def requeue_stale_exports(*, now: dt.datetime | None = None) -> int:
    """Queue again what the broker never took and what a lost worker left running."""
    now = now or timezone.now()
    from portfolios.tasks import render_export

    stuck_after = dt.timedelta(seconds=(render_export.time_limit or 300) + 60)
    pending = PortfolioExport.objects.filter(
        status=Status.PENDING, queued_at__lt=now - PENDING_GRACE
    )
    running = PortfolioExport.objects.filter(
        status=Status.RUNNING, started_at__lt=now - stuck_after
    )
    count = 0
    for export in list(pending) + list(running):
        if export.status == Status.RUNNING and not _move(
            export, (Status.RUNNING,), Status.PENDING, detail="worker lost; re-queued"
        ):
            continue
        PortfolioExport.objects.filter(pk=export.pk).update(queued_at=now)
        if enqueue(export.pk):
            count += 1
    return count


def expire_exports(*, now: dt.datetime | None = None) -> int:
    """Delete files past their date; keep the verification record (code, hashes, dates)."""
    now = now or timezone.now()
    count = 0
    for export in PortfolioExport.objects.filter(
        status__in=(Status.DONE, Status.FAILED), expires_at__lt=now
    ):
        name = export.file.name
        if _move(
            export,
            (Status.DONE, Status.FAILED),
            Status.EXPIRED,
            detail="file removed after the retention period",
            file="",
            snapshot={},
        ):
            if name:
                private_storage().delete(name)
            count += 1
    return count


# --- Verification -------------------------------------------------------------------------

CODE_RE = re.compile(r"[^A-Z0-9]")


def normalise_code(raw: str) -> str:
    letters = CODE_RE.sub("", raw.upper())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def export_for_code(raw: str) -> PortfolioExport | None:
    code = normalise_code(raw)
    if len(code) != 14:
        return None
    return (
        PortfolioExport.objects.select_related("owner", "portfolio")
        .filter(code=code, status__in=(Status.DONE, Status.EXPIRED))
        .exclude(file_sha256="")
        .first()
    )


@dataclass(frozen=True)
class Verification:
    export: PortfolioExport
    issued_to: str
    signed_off_unchanged: bool


def verification_of(export: PortfolioExport) -> Verification:
    return Verification(
        export=export,
        issued_to=export.owner.get_full_name(),
        signed_off_unchanged=signed_fingerprint(export.portfolio) == export.signed_fingerprint,
    )


def sha256_of(upload: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def export_for_file_hash(sha256: str) -> PortfolioExport | None:
    return (
        PortfolioExport.objects.filter(file_sha256=sha256, status__in=(Status.DONE, Status.EXPIRED))
        .select_related("owner", "portfolio")
        .first()
    )


# --- Revalidation records that are not evidence -------------------------------------------


def practice_hours_add(*, portfolio: Portfolio, data: dict[str, Any]) -> PracticeHours:
    return PracticeHours.objects.create(portfolio=portfolio, **data)


def discussion_add(*, portfolio: Portfolio, data: dict[str, Any]) -> ReflectiveDiscussion:
    return ReflectiveDiscussion.objects.create(portfolio=portfolio, **data)


def revalidation_record_delete(*, record: PracticeHours | ReflectiveDiscussion) -> None:
    # Records only feed future packs; a pack already made keeps its own copy in its snapshot.
    record.delete()
