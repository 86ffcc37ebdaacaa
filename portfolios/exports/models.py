"""PDF exports and the revalidation records that are not evidence items.

An export freezes what it prints in `snapshot` at request time; the worker renders from that
snapshot only, so a slow queue never prints something the practitioner did not ask for.
The verification fields (code, hashes, issue date) outlive the file itself: a confirmer can
check a PDF long after its download has expired.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone

from imhcpd.audit import TransitionRecord, freeze_name
from imhcpd.querysets import owned_by

# No 0/O/1/I/L: codes are read off paper and typed in by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    # 12 symbols of a 31-letter alphabet ≈ 59 bits: unguessable, still easy to type.
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def private_storage() -> Storage:
    """The configured private store (local disk or S3), the same one attachments use. Lazy,
    so a worker or web node configured for S3 writes exports where every other node reads."""
    return default_storage


class PortfolioExport(models.Model):
    class Kind(models.TextChoices):
        PORTFOLIO = "portfolio", "IMH portfolio"
        REVALIDATION = "revalidation", "NMC revalidation pack"
        HCPC = "hcpc", "HCPC CPD profile"
        SWE = "swe", "Social Work England CPD record"
        APPLICATION = "application", "Register application"
        TEAM = "team", "Team report"

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    # Both empty once the owner's account is closed: an issued PDF's verification record
    # (code, hashes, issue date, kind, name) stays so the paper copy still verifies truthfully.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exports",
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exports",
    )
    issued_to_name = models.CharField(max_length=150, blank=True)
    account_closed_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    # The machine the pid belongs to: a second delivery may take over a running export at
    # once only when it can see, on the same machine, that this process is gone.
    worker_host = models.CharField(max_length=255, blank=True)

    snapshot = models.JSONField(default=dict, blank=True)
    # SHA-256 of the canonical snapshot: the same content asked for again gets this export.
    content_hash = models.CharField(max_length=64, db_index=True)
    # SHA-256 of every signed-off revision of the portfolio at request time.
    signed_fingerprint = models.CharField(max_length=64)

    code = models.CharField(max_length=14, unique=True, default=new_verification_code)
    file = models.FileField(storage=private_storage, max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When the broker accepted the job queued at `queued_at`; earlier than that (or empty)
    # means the hand-over failed, and only then does beat queue it again (exports.worker).
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = owned_by("owner")

    class Meta:
        db_table = "portfolios_portfolioexport"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"

    def save(self, *args: object, **kwargs: object) -> None:
        freeze_name(self, "owner", "issued_to_name")
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def filename(self) -> str:
        return f"imh-{self.kind}-{self.created_at:%Y-%m-%d}-{self.code}.pdf"


class ExportEvent(TransitionRecord):
    """Audit of each export state change (the worker is the actor when `actor` is empty)."""

    export = models.ForeignKey(PortfolioExport, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionRecord.Meta):
        db_table = "portfolios_exportevent"


# The revalidation records are models of this app, kept in their own package.
from portfolios.exports.revalidation.models import (  # noqa: E402
    Confirmation,
    ConfirmationEvent,
    Declaration,
    HcpcProfile,
    PracticeHours,
    RecordEvent,
    ReflectiveDiscussion,
    RevalidationReminder,
)

__all__ = [
    "Confirmation",
    "ConfirmationEvent",
    "Declaration",
    "ExportEvent",
    "HcpcProfile",
    "PortfolioExport",
    "PracticeHours",
    "RecordEvent",
    "ReflectiveDiscussion",
    "RevalidationReminder",
]
