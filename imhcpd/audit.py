"""The shape every audit trail shares, and the one way statuses move: who moved something,
when, from which status to which."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


def freeze_name(instance: models.Model, person: str, name_field: str) -> None:
    """Copy the person's name onto the row when it is first saved, so the record still says
    who acted after their account is closed (the foreign key then becomes NULL)."""
    if getattr(instance, f"{person}_id") and not getattr(instance, name_field):
        setattr(instance, name_field, getattr(instance, person).get_full_name())


def frozen_name(instance: models.Model, person: str, name_field: str, fallback: str = "") -> str:
    """The name as it was frozen, else the live account's, else `fallback`."""
    if getattr(instance, name_field):
        return getattr(instance, name_field)
    return (
        getattr(instance, person).get_full_name() if getattr(instance, f"{person}_id") else fallback
    )


class ActorNameFrozen:
    """For an audit row with `actor` and `actor_name`: the name is frozen on the first save,
    so the row still says who acted after their account is closed."""

    def save(self, *args: object, **kwargs: object) -> None:
        freeze_name(self, "actor", "actor_name")  # type: ignore[arg-type]
        super().save(*args, **kwargs)  # type: ignore[misc]

    @property
    def actor_display(self) -> str:
        return frozen_name(self, "actor", "actor_name")  # type: ignore[arg-type]


class TransitionRecord(ActorNameFrozen, models.Model):
    """Abstract: each app's event model adds the foreign key to what changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name when they acted: the trail still says who after their account is gone.
    actor_name = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


def transition(
    instance: models.Model,
    allowed: tuple[str, ...],
    to: str,
    *,
    by: object | None,
    detail: str = "",
    **fields: object,
) -> bool:
    """Move `instance` to `to` only if its status is still one of `allowed`, and record who
    moved it from what in `instance.events`, in one transaction. A conditional update, so of
    two racing actors exactly one gets True; `instance` is refreshed either way."""
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    with transaction.atomic():
        # Locked before reading, so the audit row's from-status is the one this update
        # replaced, not one a racing transaction changed between the read and the update.
        current = rows.select_for_update().values_list("status", flat=True).first() or ""
        moved = rows.filter(status__in=allowed).update(status=to, **fields) == 1
        if moved:
            instance.events.create(actor=by, from_status=current, to_status=to, detail=detail)
    instance.refresh_from_db()
    return moved
