"""What the worker does with an export: render it from its frozen snapshot, store the file,
fail it, and the housekeeping beat runs (stale exports back to pending, old files removed).

Status changes are conditional updates with their audit row (`imhcpd.audit.transition`), so
a redelivered or duplicated task can never make two files or skip a state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.links import absolute_url
from imhcpd.models import User
from portfolios.exports import pdf
from portfolios.exports.models import PortfolioExport, private_storage
from portfolios.supervision.notifications import notify

Status = PortfolioExport.Status
# A job started this many times without finishing is not retried again by itself.
MAX_STARTS = 4
# Pending this long means the broker never got it (it was down, or the message was lost).
PENDING_GRACE = dt.timedelta(minutes=2)


class TransientExportError(Exception):
    """A failure worth retrying: database or storage briefly unavailable."""


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


def _progress(export: PortfolioExport, percent: int, stage: str) -> None:
    # Outside any transaction on purpose: the progress bar reads it while rendering goes on.
    PortfolioExport.objects.filter(pk=export.pk, status=Status.RUNNING).update(
        progress=percent, stage=stage
    )


def _meta(export: PortfolioExport) -> dict[str, Any]:
    verify_url = absolute_url(reverse("exports:verify_code", args=[export.code]))
    person = export.snapshot.get("person", {}).get("name", "")
    return {
        "code": export.code,
        "verify_url": verify_url,
        "qr": pdf.qr_data_uri(verify_url),
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

    html = pdf.render_html(export.snapshot, _meta(export))
    _progress(export, 25, "Laying out the pages")
    rendered = pdf.render_pdf(
        html,
        pdf.attachment_ids(export.snapshot),
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
    notify(
        export.owner,
        f"Your {export.get_kind_display().lower()} PDF is ready to download.",
        reverse("exports:detail", args=[export.pk]),
        email="exports/ready",
        context={"export": export, "retention_days": settings.EXPORT_RETENTION_DAYS},
        # Always emailed, whatever the notification preferences: the person asked for this file.
        essential=True,
    )


# --- Housekeeping (Celery beat) -------------------------------------------------------------


def stale_exports(*, now: dt.datetime, stuck_after: dt.timedelta) -> list[int]:
    """What the broker never took and what a lost worker left running, moved back to pending
    (with its audit row) and stamped as queued now; the caller queues each id again."""
    pending = PortfolioExport.objects.filter(
        status=Status.PENDING, queued_at__lt=now - PENDING_GRACE
    )
    running = PortfolioExport.objects.filter(
        status=Status.RUNNING, started_at__lt=now - stuck_after
    )
    ids = []
    for export in list(pending) + list(running):
        if export.status == Status.RUNNING and not _move(
            export, (Status.RUNNING,), Status.PENDING, detail="worker lost; re-queued"
        ):
            continue
        PortfolioExport.objects.filter(pk=export.pk).update(queued_at=now)
        ids.append(export.pk)
    return ids


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
