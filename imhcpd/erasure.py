"""Closing an account: the one way a person leaves, and what "download my data" gathers.

imhcpd knows no app. Each app registers, in its `AppConfig.ready()`, a `Step` that knows its
own tables: `erase` removes the person's records or anonymises them where others rely on
them (a review keeps the reviewer's name as it was; a register entry stays "removed —
account closed"), `export` returns the person's records for the data download, and `files`
yields the stored files that go in the download's ZIP. The idea is pretix's shredder
(`base/shredder.py`), without its plugin signals: a plain registry read in a fixed order.

`account_erase` runs every step in one transaction, highest layer first (the register before
exports before supervision before portfolios, so a row that protects another is dealt with
before the row it protects), freezes the names on every audit row the person acted in, writes
an `AccountErasure` record holding no personal data, deletes the account, and removes the
collected files only after the commit (a rolled-back erasure leaves every file in place).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from imhcpd.audit import TransitionRecord
from imhcpd.files import remove_later
from imhcpd.models import AccountErasure, User

logger = logging.getLogger(__name__)


class ErasureRefused(Exception):
    """A step's reason why this account cannot be closed now; nothing was changed."""


@dataclass
class Erasure:
    """What one erasure is doing: the person, who asked, and what to remove after commit."""

    user: User
    by: User | None
    at: Any = field(default_factory=timezone.now)
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def remove_file_after_commit(self, name: str) -> None:
        if name:
            self.files.append(name)

    def count(self, what: str, n: int) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


@dataclass(frozen=True)
class ArchiveFile:
    """One stored file for the data download's ZIP: its name there, and how to open it."""

    name: str
    open: Callable[[], IO[bytes]]


@dataclass(frozen=True)
class Step:
    name: str
    order: int  # lower runs first: higher layers take lower numbers
    erase: Callable[[Erasure], None]
    export: Callable[[User], dict[str, Any]] | None = None
    files: Callable[[User], Iterable[ArchiveFile]] | None = None


_STEPS: dict[str, Step] = {}


def register_step(
    name: str,
    *,
    order: int,
    erase: Callable[[Erasure], None],
    export: Callable[[User], dict[str, Any]] | None = None,
    files: Callable[[User], Iterable[ArchiveFile]] | None = None,
) -> None:
    _STEPS[name] = Step(name=name, order=order, erase=erase, export=export, files=files)


def steps() -> list[Step]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


def frozen_name(user: User | None) -> str:
    """The name shown for someone on records that outlive their account."""
    if user is None:
        return ""
    return user.get_full_name() or "A former user"


def _freeze_audit_actors(user: User) -> int:
    # Every audit trail built on TransitionRecord, whichever app owns it: the rows stay, the
    # actor link goes (SET_NULL), the name as it was remains.
    n = 0
    for model in apps.get_models():
        if issubclass(model, TransitionRecord):
            n += model._default_manager.filter(actor=user, actor_name="").update(
                actor_name=frozen_name(user)
            )
    return n


def account_erase(*, user: User, by: User | None) -> AccountErasure:
    """Close `user`'s account, with everything that is theirs. Raises ErasureRefused (or any
    error) with nothing changed; files go only once the deletion is committed."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        erasure = Erasure(user=user, by=by)
        for step in steps():
            step.erase(erasure)
        erasure.count("audit rows kept with a frozen name", _freeze_audit_actors(user))
        record = AccountErasure.objects.create(
            account_id=user.pk,
            by_account_id=by.pk if by is not None else None,
            by_self=by is not None and by.pk == user.pk,
            erased_at=erasure.at,
            summary=dict(sorted(erasure.counts.items())),
        )
        user.delete()
        # Written with the deletion; removed from the store after it commits, or by beat
        # later if the store is away then (imhcpd.files).
        remove_later(erasure.files, reason="account closed")
    return record


# --- The data download ----------------------------------------------------------------------


def personal_data_sections(user: User) -> dict[str, Any]:
    """Each app's records about the person, under the keys its step returns."""
    data: dict[str, Any] = {}
    for step in steps():
        if step.export is not None:
            data.update(step.export(user))
    return data


def personal_files(user: User) -> Iterator[ArchiveFile]:
    for step in steps():
        if step.files is not None:
            yield from step.files(user)
