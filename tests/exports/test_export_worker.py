"""Exports through a real Celery worker on Redis and PostgreSQL (`.ci/run`), including a
worker whose pool process is killed in the middle of a render."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from portfolios.exports import services as exports
from portfolios.exports.models import ExportEvent, PortfolioExport
from portfolios.exports.snapshot import ExportOptions
from tests.factories import make_evidence

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORDS = (
    "I noticed how the parent paused and waited, following the baby's lead, and we talked "
    "afterwards about what the baby might have been feeling in that moment. "
)


def _wait_for(export: PortfolioExport, statuses: set[str], seconds: float) -> PortfolioExport:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in statuses:
            return export
        time.sleep(0.05)
    pytest.fail(f"export still {export.status} ({export.stage}) after {seconds} s")


def _files_of(export: PortfolioExport) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "exports" / str(export.owner_id)
    return sorted(folder.glob(f"{export.pk}-*.pdf"))


def test_the_worker_renders_an_export(practitioner, celery_worker_process) -> None:  # type: ignore[no-untyped-def]
    make_evidence(practitioner.portfolio, title="A feed watched together")
    export, created = exports.export_request(
        user=practitioner, options=ExportOptions(kind="portfolio", level=2)
    )
    assert created
    export = _wait_for(export, {"done", "failed"}, 60)
    assert export.status == "done", export.error
    assert export.progress == 100
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(export.file.read())).pages[:1]
    )
    assert "Pat Practitioner" in text
    assert export.code in text
    assert len(_files_of(export)) == 1


def test_a_worker_killed_mid_render_still_completes_the_export(  # type: ignore[no-untyped-def]
    practitioner, celery_worker_process
) -> None:
    # Enough text that laying it out takes seconds, so the kill lands mid-render.
    for i in range(40):
        make_evidence(
            practitioner.portfolio,
            kind="other",
            codes=(f"1.0{1 + i % 9}",),
            title=f"Practice note {i + 1}",
            details={"description": WORDS * 12},
        )
    export, _ = exports.export_request(
        user=practitioner, options=ExportOptions(kind="portfolio", level=2)
    )
    deadline = time.monotonic() + 60
    while True:
        export.refresh_from_db()
        if export.status == "running" and export.progress >= 25 and export.worker_pid:
            break
        assert export.status in ("pending", "running"), export.error
        assert time.monotonic() < deadline, "the render never started"
        time.sleep(0.02)
    killed_pid = export.worker_pid
    os.kill(killed_pid, signal.SIGKILL)

    export = _wait_for(export, {"done", "failed"}, 90)
    assert export.status == "done", export.error
    assert export.attempts == 2
    assert export.worker_pid is None
    starts = ExportEvent.objects.filter(export=export, to_status="running")
    assert starts.count() == 2
    assert ExportEvent.objects.filter(export=export, to_status="done").count() == 1
    # The second attempt replaced, never duplicated, the file.
    assert len(_files_of(export)) == 1
    pdf = PdfReader(io.BytesIO(export.file.read()))
    assert len(pdf.pages) == export.page_count
    assert celery_worker_process.poll() is None, "the worker itself must survive a lost child"
