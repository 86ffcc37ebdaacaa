"""Turning an export snapshot into PDF bytes with WeasyPrint.

Rendering never touches the network: the only resources a document may load are the
packaged fonts, the embedded QR code and images of the attachments listed in its snapshot.
"""

from __future__ import annotations

import base64
import gc
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydyf
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portfolios.models import Attachment

ATTACHMENT_HOST = "http://attachment.invalid/"
TEMPLATES = {
    "portfolio": "exports/pdf/portfolio.html",
    "application": "exports/pdf/portfolio.html",
    "revalidation": "exports/pdf/revalidation.html",
}


def _cached_page_references(self: pydyf.PDF) -> tuple[bytes, ...]:
    kids = self.pages["Kids"]
    cached = self.__dict__.get("_imhcpd_page_refs")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{n} 0 R".encode("ascii") for n in kids[::3]))
        self.__dict__["_imhcpd_page_refs"] = cached
    return cached[1]


# pydyf rebuilds the tuple of every page reference on each access, and WeasyPrint's PDF
# tagging reads it once per tagged box: quadratic in pages, ~3 s of a 240-page export.
# The cache is rebuilt whenever a page is added, so it can never go stale.
if isinstance(getattr(pydyf.PDF, "page_references", None), property):
    pydyf.PDF.page_references = property(_cached_page_references)


def qr_data_uri(text: str) -> str:
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


class SnapshotFetcher(URLFetcher):
    """Serves fonts from the font folder and the snapshot's own images; refuses the rest."""

    def __init__(self, attachment_ids: set[int]) -> None:
        super().__init__(fail_on_errors=False)
        self.attachment_ids = attachment_ids
        self.font_dir = Path(settings.PDF_FONT_DIR).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(ATTACHMENT_HOST):
            pk = int(url.removeprefix(ATTACHMENT_HOST))
            if pk not in self.attachment_ids:
                raise ValueError(f"attachment {pk} is not part of this export")
            attachment = Attachment.objects.only("file", "content_type").get(pk=pk)
            with default_storage.open(attachment.file.name, "rb") as fh:
                body = fh.read()
            return URLFetcherResponse(url, body, {"Content-Type": attachment.content_type})
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://")).resolve()
            if self.font_dir in path.parents:
                return super().fetch(url, headers)
        raise ValueError(f"PDF rendering loads nothing from {url!r}")


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    layout_s: float
    write_s: float


def render_html(snapshot: dict[str, Any], meta: dict[str, Any]) -> str:
    fonts = Path(settings.PDF_FONT_DIR)
    context = {
        "s": snapshot,
        "meta": meta,
        "attachment_base": ATTACHMENT_HOST,
        "font_regular": (fonts / "DejaVuSans.ttf").as_uri(),
        "font_bold": (fonts / "DejaVuSans-Bold.ttf").as_uri(),
        "font_italic": (fonts / "DejaVuSans-Oblique.ttf").as_uri(),
        "font_mono": (fonts / "DejaVuSansMono.ttf").as_uri(),
    }
    return render_to_string(TEMPLATES[snapshot["kind"]], context)


def attachment_ids(snapshot: dict[str, Any]) -> set[int]:
    return {
        a["id"] for item in snapshot.get("evidence", []) for a in item["attachments"] if a["embed"]
    }


@contextmanager
def fewer_collections() -> Iterator[None]:
    """WeasyPrint allocates millions of short-lived objects; at the default gen-0 threshold
    (700) the cyclic collector runs tens of thousands of times over a large heap, about a
    fifth of a 240-page render here. Raised for the render only, then restored."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        # Free the render's cyclic garbage now, not during the next job: a worker's peak
        # memory stays that of one render.
        gc.collect()


def render_pdf(
    html: str, attachments: set[int], on_layout: Callable[[int], None] | None = None
) -> Rendered:
    """Title, author, language and dates come from the HTML's <head>."""
    started = time.monotonic()
    with fewer_collections():
        document = HTML(
            string=html, base_url=settings.SITE_URL, url_fetcher=SnapshotFetcher(attachments)
        ).render(pdf_tags=True)
        laid_out = time.monotonic()
        if on_layout:
            on_layout(len(document.pages))
        out = io.BytesIO()
        document.write_pdf(out, pdf_tags=True)
    return Rendered(
        pdf=out.getvalue(),
        pages=len(document.pages),
        layout_s=laid_out - started,
        write_s=time.monotonic() - laid_out,
    )
