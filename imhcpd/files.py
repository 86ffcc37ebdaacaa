"""Removing stored files so that none is forgotten when the file store is away.

Whoever decides that files must go (closing an account, expiring an export) calls
`remove_later` inside their transaction: the names are written as `FileRemoval` rows with it,
removed from the store right after the commit, and the rows deleted once the store said yes.
What the store refused or did not answer stays, and beat's `retry_file_removals` tries again.
Removing a file that is already gone counts as done (every store treats it so).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F

from imhcpd.models import FileRemoval
from imhcpd.storage import STORAGE_ERRORS

logger = logging.getLogger(__name__)
BATCH = 500


def remove_later(names: Iterable[str], *, reason: str) -> None:
    rows = FileRemoval.objects.bulk_create(
        FileRemoval(name=name, reason=reason) for name in sorted(set(names)) if name
    )
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: remove_pending(ids=ids))


def remove_pending(*, ids: list[int] | None = None) -> int:
    """Try the waiting removals: all of these `ids` (what a commit just asked for, however
    many), or else the oldest BATCH (beat's retry); returns how many went."""
    pending = FileRemoval.objects.order_by("pk")
    rows = pending.filter(pk__in=ids).iterator() if ids is not None else pending[:BATCH]
    done = 0
    for row in rows:
        try:
            default_storage.delete(row.name)
        except STORAGE_ERRORS as exc:
            logger.warning("could not remove %s (%s), will retry: %s", row.name, row.reason, exc)
            FileRemoval.objects.filter(pk=row.pk).update(
                attempts=F("attempts") + 1, last_error=str(exc)[:1000]
            )
            continue
        row.delete()
        done += 1
    return done
