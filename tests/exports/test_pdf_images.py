"""Images go into a PDF at print size, upright, without their metadata (issue 11, finding 12:
a few 80 MP uploads could take one render to several GB)."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portfolios.exports import services as exports
from portfolios.exports import worker
from portfolios.exports.pdf import PDF_IMAGE_MAX_PX, print_sized_image
from portfolios.exports.snapshot import ExportOptions
from portfolios.services import attachment_add
from tests.factories import make_evidence

ORIENTATION = 0x0112
GPS = 0x8825


def camera_jpeg(width: int = 8000, height: int = 6000) -> bytes:
    """A phone photo: huge, stored sideways with 'rotate 90°' in its EXIF, and a location."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    image.paste((20, 60, 160), (0, 0, width // 4, height))  # a left band, to see the turn
    exif = image.getexif()
    exif[ORIENTATION] = 6
    exif[GPS] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def flat_png(width: int, height: int, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 20, 30, 200)[: len(mode)]).save(out, "PNG")
    return out.getvalue()


def test_a_large_photo_is_shrunk_turned_upright_and_stripped() -> None:
    body, content_type = print_sized_image(io.BytesIO(camera_jpeg()))

    image = Image.open(io.BytesIO(body))
    assert content_type == "image/jpeg" and image.format == "JPEG"
    # 8000 × 6000 landscape, turned by its EXIF: 1500 × 2000 portrait.
    assert image.size == (1500, PDF_IMAGE_MAX_PX)
    # The band that was on the left is now along the top.
    assert image.getpixel((750, 10))[2] > 120 and image.getpixel((750, 1990))[2] < 100
    exif = image.getexif()
    assert ORIENTATION not in exif and GPS not in exif
    assert len(body) < 1_000_000


def test_a_png_keeps_its_format_and_transparency_at_print_size() -> None:
    body, content_type = print_sized_image(io.BytesIO(flat_png(6000, 4000)))

    image = Image.open(io.BytesIO(body))
    assert (content_type, image.format, image.mode) == ("image/png", "PNG", "RGBA")
    assert image.size == (2000, 1333)


def test_a_small_image_keeps_its_size() -> None:
    body, _ = print_sized_image(io.BytesIO(flat_png(640, 480, "RGB")))
    assert Image.open(io.BytesIO(body)).size == (640, 480)


def test_a_png_too_large_to_decode_cheaply_is_not_drawn() -> None:
    with pytest.raises(ValueError, match="too large to draw"):
        print_sized_image(io.BytesIO(flat_png(8000, 6000)))


@pytest.mark.django_db
def test_the_embedded_image_in_a_rendered_pdf_is_bounded(practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, kind="other", title="Poster", codes=["2.01"])
    upload = SimpleUploadedFile("photo.jpg", camera_jpeg(), content_type="image/jpeg")
    attachment = attachment_add(evidence=evidence, upload=upload, by=practitioner)
    assert attachment.file.size > 500_000  # the upload itself is kept as it came

    export, _ = exports.export_request(
        user=practitioner, options=ExportOptions(kind="portfolio", level=2)
    )
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()

    assert export.status == "done", export.error
    with export.file.open("rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    sizes = [
        (image.image.width, image.image.height) for page in reader.pages for image in page.images
    ]
    # Every page shares one resource dictionary, so each page lists the same one image.
    assert set(sizes) == {(1500, 2000)}
