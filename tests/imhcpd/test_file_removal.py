"""imhcpd.files: what a commit asks to remove goes at once, however many files it names."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from imhcpd import files
from imhcpd.models import FileRemoval


@pytest.mark.django_db(transaction=True)
def test_a_commit_removes_every_file_it_named_even_past_one_batch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(files, "BATCH", 3)  # beat's batch, smaller than this removal
    names = [default_storage.save(f"removal-test/{n}.txt", ContentFile(b"x")) for n in range(7)]
    with transaction.atomic():
        files.remove_later(names, reason="account closed")
    assert not [name for name in names if default_storage.exists(name)]
    assert not FileRemoval.objects.exists()


@pytest.mark.django_db
def test_beat_takes_the_oldest_batch_first(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(files, "BATCH", 2)
    rows = FileRemoval.objects.bulk_create(
        FileRemoval(name=f"removal-test/gone-{n}.txt", reason="export expired") for n in range(3)
    )
    assert files.remove_pending() == 2
    assert list(FileRemoval.objects.values_list("pk", flat=True)) == [rows[2].pk]
