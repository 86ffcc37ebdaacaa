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
from PIL import Image, ImageOps
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from imhcpd.storage import STORAGE_ERRORS
from portfolios.models import Attachment

ATTACHMENT_HOST = "http://attachment.invalid/"
# An embedded image is drawn at most 120 × 90 mm (templates/exports/pdf/base.html), which is
# 1,417 px wide at 300 dpi: 2,000 px on the long side prints sharp there with room to zoom.
# A phone photo (up to 80 MP accepted) would otherwise go into the PDF as uploaded.
PDF_IMAGE_MAX_PX = 2000
PDF_JPEG_QUALITY = 85
# A PNG cannot be decoded at a reduced scale, and shrinking one with transparency holds two
# full copies (about 9 bytes a pixel here). Above this it is listed, not drawn: 24 MP covers a
# 6K screenshot or an A3 scan at 300 dpi (about 225 MB at worst, for a moment); a PNG that
# large within the 10 MB upload limit is a flat or synthetic image, not a photograph.
PDF_PNG_MAX_PIXELS = 24_000_000
TEMPLATES = {
    "portfolio": "exports/pdf/portfolio.html",
    "application": "exports/pdf/portfolio.html",
    # Packs made before issue 13 (the generic revalidation pack) keep their own layout.
    "revalidation": "exports/pdf/revalidation.html",
    "hcpc": "exports/pdf/hcpc.html",
    "swe": "exports/pdf/swe.html",
    "team": "exports/pdf/team.html",
}
# The regulators' documents (exports.revalidation.documents) say which form they print.
PACK_TEMPLATES = {
    "nmc": "exports/pdf/nmc.html",
    "hcpc": "exports/pdf/hcpc.html",
    "swe": "exports/pdf/swe.html",
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


class AttachmentMissing(Exception):
    """An image the snapshot embeds is not in the file store (or its record is gone). The
    export fails with this rather than print a PDF that silently lacks the picture."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(", ".join(names))


class StoreUnavailable(Exception):
    """The file store did not answer while an image was read: worth trying again later."""


class SnapshotFetcher(URLFetcher):
    """Serves fonts from the font folder and the snapshot's own images; refuses the rest.

    WeasyPrint swallows a fetcher's exceptions (it leaves the image out, which is right for an
    image we will not draw), so a missing file or an unreachable store is also written down
    here, and `render_pdf` raises it once the layout is over."""

    def __init__(self, attachment_ids: set[int]) -> None:
        super().__init__(fail_on_errors=False)
        self.attachment_ids = attachment_ids
        self.font_dir = Path(settings.PDF_FONT_DIR).resolve()
        self.missing: list[str] = []
        self.unavailable: list[str] = []

    def _read(self, pk: int) -> bytes:
        attachment = Attachment.objects.only("file", "filename").filter(pk=pk).first()
        if attachment is None:
            self.missing.append(f"attachment {pk}")
            raise FileNotFoundError(f"attachment {pk} no longer exists")
        try:
            with default_storage.open(attachment.file.name, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            self.missing.append(attachment.filename)
            raise
        except STORAGE_ERRORS as exc:
            self.unavailable.append(f"{attachment.filename}: {exc}")
            raise

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(ATTACHMENT_HOST):
            pk = int(url.removeprefix(ATTACHMENT_HOST))
            if pk not in self.attachment_ids:
                raise ValueError(f"attachment {pk} is not part of this export")
            # Read whole first (uploads are at most 10 MB), so a store error is told apart
            # from an image Pillow will not draw (whose errors are OSErrors too).
            body, content_type = print_sized_image(io.BytesIO(self._read(pk)))
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://")).resolve()
            if self.font_dir in path.parents:
                return super().fetch(url, headers)
        raise ValueError(f"PDF rendering loads nothing from {url!r}")


def print_sized_image(fh: Any, max_px: int = PDF_IMAGE_MAX_PX) -> tuple[bytes, str]:
    """The image as it should go into a PDF: turned upright by its EXIF orientation, at most
    ``max_px`` on its long side, re-encoded in its own format (so its metadata, camera and GPS
    included, stays out of the PDF).

    A JPEG is decoded straight at a reduced scale (``draft``), so a 48 MP photo never costs its
    full 140 MB of pixels; a PNG has no such shortcut and is decoded once, then shrunk, up to
    PDF_PNG_MAX_PIXELS. The worker holds one image at a time, and WeasyPrint lays out the small
    copy. Raises ValueError for what it will not draw: the fetcher's caller then leaves the
    image out (its alt text names the file, and the item's list of files still gives it with
    its SHA-256)."""
    with Image.open(fh) as opened:
        kind = opened.format
        if kind not in ("JPEG", "PNG"):
            raise ValueError(f"not an image the PDF embeds: {kind}")
        if kind == "JPEG":
            opened.draft("RGB", (max_px, max_px))
        elif opened.width * opened.height > PDF_PNG_MAX_PIXELS:
            raise ValueError(f"PNG of {opened.width}×{opened.height} is too large to draw")
        # Shrunk in place before anything copies it; the box is square, so turning it upright
        # afterwards gives the same bound.
        opened.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        image = ImageOps.exif_transpose(opened)
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=PDF_JPEG_QUALITY, optimize=True)
        return out.getvalue(), "image/jpeg"
    image.save(out, "PNG")
    return out.getvalue(), "image/png"


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
    template = PACK_TEMPLATES.get(snapshot.get("pack", "")) or TEMPLATES[snapshot["kind"]]
    return render_to_string(template, context)


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
    """Title, author, language and dates come from the HTML's <head>. Raises AttachmentMissing
    or StoreUnavailable instead of returning a PDF without one of its images."""
    started = time.monotonic()
    fetcher = SnapshotFetcher(attachments)
    with fewer_collections():
        document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher).render(
            pdf_tags=True
        )
        if fetcher.unavailable:
            raise StoreUnavailable("; ".join(fetcher.unavailable))
        if fetcher.missing:
            raise AttachmentMissing(fetcher.missing)
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
