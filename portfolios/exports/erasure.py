"""Exports' part of closing an account (see imhcpd.erasure), and of the data download.

Every PDF file goes. An export that was issued (rendered, with a file hash) keeps its row as
a verification record — code, hashes, kind, level, period, issue date and the name it was
issued to — with the owner, portfolio and snapshot emptied, so its code answers "issued on …;
the account has since been closed" and a forged copy still reads as a forgery. Exports never
issued (queued, running, failed) go entirely. The revalidation records (practice hours,
discussions, confirmations, declarations, HCPC profiles, their history) go with the portfolio
(CASCADE).

Why the same row and not a separate verification table: verification already reads these
columns by code and by file hash, the worker and the 30-day expiry already leave a row
without a file, and a second table would have to be kept in step with every issued export.
"""

from __future__ import annotations

import contextlib
from typing import Any

from imhcpd.erasure import ArchiveFile, Erasure, frozen_name
from imhcpd.models import User
from portfolios.exports.models import (
    Confirmation,
    Declaration,
    ExportEvent,
    HcpcProfile,
    PortfolioExport,
    RecordEvent,
    private_storage,
)

Status = PortfolioExport.Status
ISSUED = (Status.DONE, Status.EXPIRED)


def erase(erasure: Erasure) -> None:
    user = erasure.user
    exports = PortfolioExport.objects.for_owner(user)
    names = set(exports.exclude(file="").values_list("file", flat=True))
    # Files of earlier attempts or overlapping runs live in the same folder (worker.py);
    # listed, not checked with exists(): an object store has no folders, only prefixes.
    folder = f"exports/{user.pk}"
    with contextlib.suppress(FileNotFoundError):
        names.update(f"{folder}/{f}" for f in private_storage().listdir(folder)[1])
    for name in sorted(names):
        erasure.remove_file_after_commit(name)

    issued = exports.filter(status__in=ISSUED).exclude(file_sha256="")
    issued.filter(issued_to_name="").update(issued_to_name=frozen_name(user))
    kept = list(issued.values_list("pk", "status"))
    for pk, status in kept:
        ExportEvent.objects.create(
            export_id=pk,
            actor=erasure.by,
            from_status=status,
            to_status=Status.EXPIRED,
            detail="account closed: file and snapshot removed, verification record kept",
        )
    issued.update(
        owner=None,
        portfolio=None,
        snapshot={},
        file="",
        status=Status.EXPIRED,
        stage="",
        error="",
        worker_pid=None,
        account_closed_at=erasure.at,
    )
    erasure.count("issued PDFs kept as verification records", len(kept))
    never_issued = PortfolioExport.objects.for_owner(user)
    erasure.count("exports never issued", never_issued.count())
    never_issued.delete()


def export(user: User) -> dict[str, Any]:
    return {
        "pdf_exports": list(
            PortfolioExport.objects.for_owner(user)
            .order_by("created_at", "pk")
            .values("kind", "level", "status", "code", "file_sha256", "created_at", "expires_at")
        ),
        # Practice hours and discussions are in the portfolio part; the token digests are not
        # personal data and would only help someone guess at a link.
        "revalidation": {
            "confirmations": list(
                Confirmation.objects.for_owner(user)
                .order_by("requested_at", "pk")
                .values(
                    "revalidation_date",
                    "name",
                    "email",
                    "status",
                    "registration",
                    "role",
                    "address",
                    "postcode",
                    "confirmed_on",
                    "requested_at",
                    "confirmed_at",
                )
            ),
            "declarations": list(
                Declaration.objects.for_owner(user)
                .order_by("revalidation_date", "kind")
                .values("kind", "revalidation_date", "text", "made_at")
            ),
            "hcpc_profiles": list(
                HcpcProfile.objects.for_owner(user)
                .order_by("renewal_date")
                .values(
                    "renewal_date",
                    "summary",
                    "statement",
                    "statement_items",
                    "gap_notes",
                    "updated_at",
                )
            ),
            "history": list(
                RecordEvent.objects.filter(portfolio__user=user)
                .order_by("created_at", "pk")
                .values("record", "record_id", "action", "detail", "actor_name", "created_at")
            ),
        },
    }


def files(user: User) -> list[ArchiveFile]:
    storage = private_storage()
    return [
        ArchiveFile(name=f"exports/{e.filename}", open=lambda n=e.file.name: storage.open(n, "rb"))
        for e in PortfolioExport.objects.for_owner(user).filter(status=Status.DONE).exclude(file="")
    ]
