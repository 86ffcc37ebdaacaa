"""What the worker does with an export: render it from its frozen snapshot, store the file,
fail it, and the housekeeping beat runs (stale exports back to pending, old files removed).

Status changes are conditional updates with their audit row (`imhcpd.audit.transition`), so
a redelivered or duplicated task can never make two files or skip a state. One delivery
renders at a time: a second delivery of a running export does nothing unless the first one
is certainly gone (past its hard time limit, or its process seen dead on this machine).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.files import remove_later
from imhcpd.links import absolute_url
from imhcpd.models import User
from imhcpd.storage import STORAGE_ERRORS
from portfolios.exports import pdf
from portfolios.exports.models import PortfolioExport, private_storage
from portfolios.supervision.notifications import notify

Status = PortfolioExport.Status
logger = logging.getLogger(__name__)
# A job started this many times without finishing is not retried again by itself.
MAX_STARTS = 4
# Celery's hard time limit for one render (tasks.render_export): past it the pool process
# has been killed, so a running export that old has no one rendering it.
RENDER_TIME_LIMIT = 300
# Between commit and the hand-over to the broker: a job not yet marked as accepted this soon
# after being queued may simply be on its way, so beat leaves it alone.
PENDING_GRACE = dt.timedelta(minutes=2)
HOST = socket.gethostname()
# How long a worker that took over a job waits for the worker that started it to answer.
NODE_PING_TIMEOUT = 2.0


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
        worker_host="",
    )


def export_run(*, export_id: int, node: str = "") -> PortfolioExport | None:
    """Render one export. Safe to run twice: a finished export is left alone, a running one
    (its worker died) is rendered again and its file replaced, never duplicated. `node` is
    the Celery worker's name ("name@host"), kept so that a worker on another machine can ask
    whether this one is still alive."""
    export = (
        PortfolioExport.objects.select_related("owner", "portfolio").filter(pk=export_id).first()
    )
    if export is None or export.is_finished:
        return export
    if export.status == Status.RUNNING:
        # Another delivery of the same job (a re-queue beside the original, a redelivery):
        # rendering it twice at once costs hundreds of MB and can use up its starts.
        if not _abandoned(export, now=timezone.now()):
            return export
        if not _release(export, detail="previous worker lost; taken over"):
            return export
    if export.attempts >= MAX_STARTS:
        export_fail(export=export, reason="The PDF could not be made after several attempts.")
        return export
    # Permission is checked again here: the account may have changed since the request.
    owner = export.owner
    if (
        owner is None
        or export.portfolio is None
        or not owner.is_active
        or export.portfolio.user_id != export.owner_id
    ):
        export_fail(export=export, reason="This export is no longer permitted for this account.")
        return export
    started = _move(
        export,
        (Status.PENDING,),
        Status.RUNNING,
        detail=f"attempt {export.attempts + 1}",
        attempts=export.attempts + 1,
        started_at=timezone.now(),
        worker_pid=os.getpid(),
        worker_host=node if "@" in node else HOST,
        progress=10,
        stage="Preparing the document",
    )
    if not started:
        return export

    html = pdf.render_html(export.snapshot, _meta(export))
    _progress(export, 25, "Laying out the pages")
    try:
        rendered = pdf.render_pdf(
            html,
            pdf.attachment_ids(export.snapshot),
            on_layout=lambda pages: _progress(export, 80, f"Writing {pages} pages"),
        )
    except pdf.StoreUnavailable as exc:
        raise TransientExportError(f"storage: {exc}") from exc
    except pdf.AttachmentMissing as exc:
        # Loud on both sides: the operator's log (a file the database knows of is gone from
        # the store) and the practitioner's page (which file, and what to do).
        logger.error("export %s: attachments missing from the file store: %s", export.pk, exc)
        names = ", ".join(f"“{name}”" for name in exc.names)
        export_fail(
            export=export,
            reason=(
                f"The PDF was not made: {names} could not be read from the file store. "
                "Check the item still has the file, then ask for a new PDF."
            ),
        )
        return export
    _progress(export, 92, "Storing the file")
    # Each attempt writes its own file: two overlapping runs (a re-queued message beside the
    # original) must never delete or overwrite the file the winner recorded.
    folder = f"exports/{export.owner_id}"
    prefix = f"{export.pk}-{export.code}"
    name = f"{folder}/{prefix}-{export.attempts}-{os.getpid()}.pdf"
    storage = private_storage()
    try:
        saved = storage.save(name, ContentFile(rendered.pdf))
    except STORAGE_ERRORS as exc:
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
            worker_host="",
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


def _alive(pid: int) -> bool:
    """Is this process of this machine still running (a zombie awaiting its parent is not)?"""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel directly
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _abandoned(export: PortfolioExport, *, now: dt.datetime) -> bool:
    """A running export nobody is rendering: past the hard time limit (the pool process was
    killed by then), its process seen gone on this very machine (killed, out of memory), or
    the Celery worker on another machine that started it no longer answering the broker (the
    machine lost: its job came back to the queue after the visibility timeout)."""
    if export.started_at is None or export.started_at < now - dt.timedelta(
        seconds=RENDER_TIME_LIMIT
    ):
        return True
    where = export.worker_host
    if export.worker_pid and where.rpartition("@")[2] == HOST:
        return not _alive(export.worker_pid)
    return "@" in where and _node_gone(where)


def _node_gone(node: str) -> bool:
    """True only when the broker was asked and the worker did not answer. A worker that is
    rendering still answers (its main process handles control messages, the pool child
    renders); if it cannot be told, the export waits for the hard time limit as before. A
    wrong "gone" costs a second render, never a second file: only one run can finish it."""
    from imhcpd.celery import app

    if app.conf.task_always_eager:
        return False
    try:
        return not app.control.ping(destination=[node], timeout=NODE_PING_TIMEOUT)
    except Exception:  # kombu raises several unrelated types when the broker is unreachable
        logger.warning("export: could not ask whether %s is alive", node, exc_info=True)
        return False


def _release(export: PortfolioExport, *, detail: str) -> bool:
    """RUNNING back to PENDING, only if it is still the same start (attempts and start time
    unchanged): of two deliveries or a delivery and beat that both found it abandoned,
    exactly one moves it, and a fresh start made meanwhile is never undone."""
    with transaction.atomic():
        released = (
            PortfolioExport.objects.filter(
                pk=export.pk,
                status=Status.RUNNING,
                attempts=export.attempts,
                started_at=export.started_at,
            ).update(status=Status.PENDING, worker_pid=None, worker_host="")
            == 1
        )
        if released:
            export.events.create(
                actor=None, from_status=Status.RUNNING, to_status=Status.PENDING, detail=detail
            )
    export.refresh_from_db()
    return released


def export_interrupted(*, export_id: int) -> None:
    """This process's start ended in a transient error: hand the export back to pending so
    the retry can start it again (anyone else's start is left alone). Never raises: when the
    database itself is away the export stays running and beat takes it over later."""
    try:
        export = PortfolioExport.objects.filter(
            pk=export_id, status=Status.RUNNING, worker_pid=os.getpid(), worker_host=HOST
        ).first()
        if export is not None:
            _release(export, detail="interrupted by a transient error; retrying")
    except DatabaseError:
        logger.warning("export %s: could not hand back after an error", export_id, exc_info=True)


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
    """The exports to hand to the broker again, stamped as queued now: those whose hand-over
    failed (never marked as accepted for their current queueing: the broker was down, or the
    web process died between commit and publish) and those a lost worker left running past
    the hard time limit. A job the broker accepted is never queued twice, however long the
    backlog in front of it."""
    pending = PortfolioExport.objects.filter(
        Q(published_at__isnull=True) | Q(published_at__lt=F("queued_at")),
        status=Status.PENDING,
        queued_at__lt=now - PENDING_GRACE,
    )
    running = PortfolioExport.objects.filter(
        status=Status.RUNNING, started_at__lt=now - stuck_after
    )
    ids = [export.pk for export in pending]
    for export in running:
        if _release(export, detail="worker lost; re-queued"):
            ids.append(export.pk)
    PortfolioExport.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def mark_published(*, export_id: int, at: dt.datetime) -> None:
    """The broker accepted the job queued at or before `at`."""
    PortfolioExport.objects.filter(pk=export_id, queued_at__lte=at).update(published_at=at)


def expire_exports(*, now: dt.datetime | None = None) -> int:
    """Delete files past their date; keep the verification record (code, hashes, dates)."""
    now = now or timezone.now()
    count = 0
    for export in PortfolioExport.objects.filter(
        status__in=(Status.DONE, Status.FAILED), expires_at__lt=now
    ):
        name = export.file.name
        with transaction.atomic():
            if _move(
                export,
                (Status.DONE, Status.FAILED),
                Status.EXPIRED,
                detail="file removed after the retention period",
                file="",
                snapshot={},
            ):
                # Gone from the store after the commit, or by beat later if it is away then.
                remove_later([name], reason="export expired")
                count += 1
    return count
