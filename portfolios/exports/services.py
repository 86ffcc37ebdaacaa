"""PDF exports, what people do: request one, try a failed one again, verify a PDF by code or
file. (The revalidation records and documents are in the `revalidation` package.)

request → export row (pending) → queued after commit (`tasks.enqueue`) → `render_export`
task → `worker.export_run` renders from the frozen snapshot → file stored privately → done
(email + notification). Rendering, failure and housekeeping are in `worker.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.models import User
from portfolios.exports import tasks
from portfolios.exports.models import ExportEvent, PortfolioExport
from portfolios.exports.snapshot import (
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


class ExportError(Exception):
    """Raised for a request that cannot be made; the message is shown to the user."""


def _event(
    export: PortfolioExport, by: User | None, from_status: str, to_status: str, detail: str = ""
) -> None:
    ExportEvent.objects.create(
        export=export, actor=by, from_status=from_status, to_status=to_status, detail=detail
    )


def _validate(portfolio: Portfolio, options: ExportOptions) -> None:
    # The regulators' documents are made from the revalidation pages (revalidation.documents),
    # each from its own builder; this path makes the IMH portfolio.
    if options.kind != PortfolioExport.Kind.PORTFOLIO:
        raise ExportError(
            "Choose an IMH portfolio. Revalidation documents are made from your revalidation page."
        )
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
        transaction.on_commit(lambda: tasks.enqueue(export.pk))
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
        moved = transition(
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
        transaction.on_commit(lambda: tasks.enqueue(export.pk))
    return export


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
    signed_off_unchanged: bool | None  # None: the account is closed, there is nothing to compare
    account_closed_at: dt.datetime | None = None


def verification_of(export: PortfolioExport) -> Verification:
    if export.portfolio_id is None:
        # The account was closed: the record of what was issued stays, the portfolio is gone.
        return Verification(
            export=export,
            issued_to=export.issued_to_name,
            signed_off_unchanged=None,
            account_closed_at=export.account_closed_at,
        )
    return Verification(
        export=export,
        issued_to=export.issued_to_name or export.owner.get_full_name(),
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
