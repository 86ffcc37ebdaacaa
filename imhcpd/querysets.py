"""Scoped querysets: `Model.objects.for_owner(user)` starts every read of someone's records,
so a selector or permission helper cannot forget the filter."""

from __future__ import annotations

from typing import Any

from django.db import models


class OwnedQuerySet(models.QuerySet):
    """Subclasses name the lookup from the row to the user who owns it."""

    owner_lookup = "user"

    def for_owner(self, user: Any) -> OwnedQuerySet:
        return self.filter(**{self.owner_lookup: user})


def owned_by(lookup: str) -> models.Manager:
    """A manager whose querysets have `for_owner(user)` following `lookup` to the owner."""
    queryset = type(f"OwnedBy_{lookup}", (OwnedQuerySet,), {"owner_lookup": lookup})
    return queryset.as_manager()
