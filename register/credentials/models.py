"""One row per credential issued for a register entry, and its audit trail."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from imhcpd.audit import TransitionRecord
from imhcpd.querysets import owned_by


class Credential(models.Model):
    class Reason(models.TextChoices):
        APPROVED = "approved", "Approved"
        RENEWED = "renewed", "Renewed"

    entry = models.ForeignKey(
        "register.RegisterEntry", on_delete=models.CASCADE, related_name="credentials"
    )
    jti = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The bit in the published status list. Drawn at random, not in sequence, so a list does
    # not reveal how many credentials were issued when, or which came from the same week.
    status_index = models.PositiveIntegerField(unique=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    level = models.PositiveSmallIntegerField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    # The unsigned credential exactly as issued; the JWT's payload is this document.
    document = models.JSONField()
    # Signed the first time anyone needs it, then kept: the same credential always reads
    # the same, and a missing signing key delays a credential without losing it.
    jwt = models.TextField(blank=True)
    kid = models.CharField("signing key", max_length=100, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    objects = owned_by("entry__user")

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"Credential {self.jti} (Level {self.level})"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.jti}"


class CredentialEvent(TransitionRecord):
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="events")
