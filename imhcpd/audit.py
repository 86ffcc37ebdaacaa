"""The shape every audit trail shares: who moved something, when, from which status to which."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TransitionRecord(models.Model):
    """Abstract: each app's event model adds the foreign key to what changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"
