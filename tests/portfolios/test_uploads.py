"""Evidence attachments: the type comes from the content, the name is made safe.

Every test file is built here in code; no binary fixtures.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import (
    SimpleUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from PIL import Image, ImageFile

from portfolios.uploads import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_ITEM,
    InspectedUpload,
    UploadRejected,
    inspect_upload,
    safe_filename,
)

MB = 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_ALLOWED = "is not a PDF, PNG, JPEG or Word (.docx) file."

# --- Building files -------------------------------------------------------------------------


def make_pdf() -> bytes:
    # A complete one-page PDF, written by hand: header, catalogue, pages, xref, trailer, %%EOF.
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_image(fmt: str, size: tuple[int, int] = (4, 4), *, noise: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    if noise:
        # Noise does not compress, so the file has plenty of entropy-coded data to cut short.
        rng = random.Random(7)
        image.putdata(
            [
                (rng.randrange(256), rng.randrange(256), rng.randrange(256))
                for _ in range(size[0] * size[1])
            ]
        )
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def make_docx(extra: dict[str, bytes] | None = None, main: str = "word/document.xml") -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            main: b'<?xml version="1.0"?><w:document/>',
            **(extra or {}),
        }
    )


def png_with_declared_size(width: int, height: int) -> bytes:
    # Only a header: Pillow reads the dimensions from IHDR when it opens the file.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


class ChunkedUpload(SimpleUploadedFile):
    """Hands its content out in small pieces, counting them, as a streamed upload would."""

    def __init__(self, name: str, content: bytes, piece: int) -> None:
        super().__init__(name, content)
        self.piece = piece
        self.pieces_read = 0

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self.file.seek(0)
        while data := self.file.read(self.piece):
            self.pieces_read += 1
            yield data


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def rejection(name: str, content: bytes) -> str:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(upload(name, content))
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- Accepted ---------------------------------------------------------------------------------


ACCEPTED = [
    ("CPD certificate.pdf", make_pdf, "pdf", "application/pdf", ".pdf", "CPD certificate.pdf"),
    ("photo.png", lambda: make_image("PNG"), "png", "image/png", ".png", "photo.png"),
    ("photo.jpeg", lambda: make_image("JPEG"), "jpeg", "image/jpeg", ".jpg", "photo.jpg"),
    ("Reflection.docx", make_docx, "docx", DOCX_TYPE, ".docx", "Reflection.docx"),
]


@pytest.mark.parametrize(
    ("name", "build", "kind", "content_type", "extension", "filename"),
    ACCEPTED,
    ids=[row[2] for row in ACCEPTED],
)
def test_each_allowed_type_is_accepted_and_rewound(
    name: str, build, kind: str, content_type: str, extension: str, filename: str
) -> None:
    content = build()
    # The browser's content type is a lie on purpose: it must not matter.
    file = SimpleUploadedFile(name, content, content_type="text/html")

    result = inspect_upload(file)

    assert result == InspectedUpload(
        kind=kind,
        content_type=content_type,
        extension=extension,
        filename=filename,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert file.tell() == 0
    assert file.read() == content


@pytest.mark.parametrize("row", ACCEPTED, ids=[row[2] for row in ACCEPTED])
def test_each_allowed_type_is_accepted_from_a_file_on_disk(row) -> None:
    # Large uploads reach us as TemporaryUploadedFile; ZipFile and Pillow must work on it too.
    name, build, kind, *_ = row
    content = build()
    file = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
    try:
        file.write(content)
        file.seek(0)
        result = inspect_upload(file)
        assert (result.kind, result.size) == (kind, len(content))
        assert result.sha256 == hashlib.sha256(content).hexdigest()
        assert file.read() == content
    finally:
        file.close()


def test_a_pdf_made_by_weasyprint_is_accepted() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    content = weasyprint.HTML(string="<p>Supervision notes</p>").write_pdf()

    result = inspect_upload(upload("notes.pdf", content))

    assert (result.kind, result.filename) == ("pdf", "notes.pdf")


def test_a_png_named_pdf_is_accepted_as_the_png_it_is() -> None:
    result = inspect_upload(upload("photo.pdf", make_image("PNG")))

    assert (result.kind, result.content_type, result.extension, result.filename) == (
        "png",
        "image/png",
        ".png",
        "photo.png",
    )


def test_a_word_online_docx_with_a_numbered_main_part_is_accepted() -> None:
    # Word Online saves the main part as word/document2.xml (or document22.xml).
    result = inspect_upload(upload("From Word Online.docx", make_docx(main="word/document2.xml")))

    assert result.kind == "docx"


def test_head_spread_over_tiny_chunks_is_still_recognised() -> None:
    content = make_image("PNG")
    file = ChunkedUpload("tiny.png", content, piece=3)

    result = inspect_upload(file)

    assert result.kind == "png"
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert file.pieces_read > 3


def test_limits_are_exported() -> None:
    assert MAX_ATTACHMENT_BYTES == 10 * MB
    assert MAX_ATTACHMENTS_PER_ITEM == 20


# --- Size ---------------------------------------------------------------------------------------


def test_empty_file_is_rejected() -> None:
    assert rejection("empty.pdf", b"") == "“empty.pdf” is empty."


def pdf_shaped(total: int) -> bytes:
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + b"\0" * (total - len(head) - len(tail)) + tail


def test_exactly_10_mb_is_accepted() -> None:
    content = pdf_shaped(10 * MB)

    result = inspect_upload(upload("big.pdf", content))

    assert (result.kind, result.size) == ("pdf", 10 * MB)


def test_one_byte_over_10_mb_is_rejected() -> None:
    assert (
        rejection("big.pdf", pdf_shaped(10 * MB + 1))
        == "“big.pdf” is larger than 10 MB. Reduce its size or split it, and try again."
    )


def test_oversized_file_is_not_read_to_the_end() -> None:
    file = ChunkedUpload("huge.pdf", pdf_shaped(30 * MB), piece=MB)

    with pytest.raises(UploadRejected, match="larger than 10 MB"):
        inspect_upload(file)

    assert file.pieces_read == 11  # the 11th megabyte crosses the limit; the other 19 are left


# --- Content that is not what it claims -----------------------------------------------------


def test_html_named_pdf_is_rejected_as_not_a_pdf() -> None:
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

    assert (
        rejection("report.pdf", html)
        == "“report.pdf” is named like a PDF but its content is not a PDF."
    )


def test_svg_named_png_is_rejected() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'

    assert (
        rejection("image.png", svg)
        == "“image.png” is named like a PNG image but its content is not a PNG image."
    )


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Photo.JPG", "a JPEG image"),
        ("photo.jpeg", "a JPEG image"),
        ("Reflection.docx", "a Word (.docx) file"),
    ],
)
def test_text_named_like_other_allowed_types_says_so(name: str, label: str) -> None:
    assert (
        rejection(name, b"just some text\n")
        == f"“{name}” is named like {label} but its content is not {label}."
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4),
        ("notes.txt", b"Reflective notes, plain text.\n"),
        ("page.html", b"<html><body>hi</body></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("data.xml", b'<?xml version="1.0"?><root/>'),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n"),
        ("anim.gif", make_image("GIF")),
        ("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
        ("mystery", bytes(random.Random(1).randrange(256) for _ in range(4096))),
    ],
)
def test_other_types_are_rejected(name: str, content: bytes) -> None:
    assert rejection(name, content) == f"“{name}” {NOT_ALLOWED}"


def test_zip_that_is_not_a_docx_is_rejected() -> None:
    photos = make_zip({"a.jpg": make_image("JPEG"), "b.jpg": make_image("JPEG")})

    assert rejection("photos.zip", photos) == f"“photos.zip” {NOT_ALLOWED}"


def test_spreadsheet_renamed_docx_is_rejected() -> None:
    xlsx = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})

    assert rejection("budget.docx", xlsx) == (
        "“budget.docx” is named like a Word (.docx) file "
        "but its content is not a Word (.docx) file."
    )


def test_docx_without_content_types_is_rejected() -> None:
    content = make_zip({"word/document.xml": b"<w:document/>"})

    assert "is not a Word (.docx) file" in rejection("x.docx", content)


# --- Damaged files --------------------------------------------------------------------------


def damaged(name: str, label: str) -> str:
    return (
        f"“{name}” looks like {label} but is damaged or incomplete; "
        "save or export it again and try again."
    )


def test_pdf_without_eof_marker_is_rejected() -> None:
    cut = make_pdf()[:-20]

    assert rejection("cut.pdf", cut) == damaged("cut.pdf", "a PDF")


def test_pdf_eof_marker_must_be_near_the_end() -> None:
    content = make_pdf() + b"\0" * 2048

    assert rejection("padded.pdf", content) == damaged("padded.pdf", "a PDF")


def test_pdf_header_must_be_at_the_start() -> None:
    content = b"<html>" + make_pdf()

    assert rejection("junk.pdf", content) == (
        "“junk.pdf” is named like a PDF but its content is not a PDF."
    )


def test_png_signature_followed_by_garbage_is_rejected() -> None:
    content = b"\x89PNG\r\n\x1a\n" + b"this is not a png" * 10

    assert rejection("broken.png", content) == damaged("broken.png", "a PNG image")


def test_truncated_png_is_rejected() -> None:
    content = make_image("PNG", (64, 64), noise=True)

    assert rejection("half.png", content[: len(content) // 2]) == damaged("half.png", "a PNG image")


def test_png_with_a_bad_checksum_is_rejected() -> None:
    content = bytearray(make_image("PNG", (64, 64), noise=True))
    content[-30] ^= 0xFF  # inside the image data, so a chunk CRC no longer matches

    assert rejection("flipped.png", bytes(content)) == damaged("flipped.png", "a PNG image")


def test_jpeg_signature_followed_by_garbage_is_rejected() -> None:
    content = b"\xff\xd8\xff" + b"garbage" * 20

    assert rejection("broken.jpg", content) == damaged("broken.jpg", "a JPEG image")


def test_truncated_jpeg_is_rejected() -> None:
    content = make_image("JPEG", (64, 64), noise=True)

    assert rejection("half.jpg", content[: len(content) // 2]) == damaged(
        "half.jpg", "a JPEG image"
    )


def test_truncated_jpeg_with_an_end_marker_in_its_exif_is_rejected() -> None:
    # An EOI (FF D9) inside the EXIF segment, as in an embedded thumbnail, must not count.
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(
        buf, "JPEG", exif=b"Exif\x00\x00" + b"\xff\xd9" * 8
    )
    content = buf.getvalue()
    assert content.count(b"\xff\xd9") > 1

    assert rejection("thumb.jpg", content[:-2]) == damaged("thumb.jpg", "a JPEG image")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncation_is_caught_even_when_pillow_is_told_to_load_truncated_images(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WeasyPrint sets this process-wide on import, and it is imported for the PDF export.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = make_image(fmt, (64, 64), noise=True)

    with pytest.raises(UploadRejected, match="is damaged or incomplete"):
        inspect_upload(upload("cut", content[: len(content) - 40]))


@pytest.mark.parametrize(
    ("options", "trailer"),
    [({"progressive": True}, b""), ({}, b"\x00" * 64 + b"appended by the camera")],
    ids=["progressive", "data-after-end"],
)
def test_unusual_but_sound_jpegs_are_accepted(options: dict, trailer: bytes) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 60, 30)).save(buf, "JPEG", **options)

    assert inspect_upload(upload("photo.jpg", buf.getvalue() + trailer)).kind == "jpeg"


def test_image_with_too_many_pixels_is_rejected() -> None:
    # 9,000 x 9,000 = 81 MP, over our 80 MP limit but under Pillow's own bomb error.
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")

    message = rejection("poster.png", buf.getvalue())

    assert (
        message
        == "“poster.png” has too many pixels to accept; reduce its dimensions and try again."
    )


def test_decompression_bomb_png_is_rejected() -> None:
    message = rejection("bomb.png", png_with_declared_size(50_000, 50_000))

    assert (
        message == "“bomb.png” has too many pixels to accept; reduce its dimensions and try again."
    )


def test_corrupt_zip_named_docx_is_rejected_as_damaged() -> None:
    content = b"PK\x03\x04" + b"not really a zip" * 10

    assert rejection("essay.docx", content) == damaged("essay.docx", "a Word (.docx) file")


def test_corrupt_zip_with_another_name_is_not_allowed() -> None:
    content = b"PK\x03\x04" + b"not really a zip" * 10

    assert rejection("archive.zip", content) == f"“archive.zip” {NOT_ALLOWED}"


def test_truncated_docx_is_rejected() -> None:
    content = make_docx({"word/media/image1.png": make_image("PNG", (64, 64), noise=True)})

    assert rejection("cut.docx", content[: len(content) // 2]) == damaged(
        "cut.docx", "a Word (.docx) file"
    )


# --- Zip bombs and macros -------------------------------------------------------------------


UNPACKED = "“{}” is too large to accept once unpacked; try saving it as a PDF instead."


def test_docx_with_too_many_members_is_rejected() -> None:
    # 2 required members + 1,999 = 2,001.
    content = make_docx({f"word/media/{n}.xml": b"" for n in range(1999)})

    assert rejection("many.docx", content) == UNPACKED.format("many.docx")


def test_docx_with_2000_members_is_accepted() -> None:
    content = make_docx({f"word/media/{n}.xml": b"" for n in range(1998)})

    assert inspect_upload(upload("many.docx", content)).kind == "docx"


def test_docx_that_unpacks_to_over_100_mb_is_rejected() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/zeros.bin", "w") as member:
            for _ in range(101):
                member.write(bytes(MB))
    content = buf.getvalue()
    assert len(content) < MAX_ATTACHMENT_BYTES  # small on the wire, huge unpacked

    assert rejection("bomb.docx", content) == UNPACKED.format("bomb.docx")


def test_docx_with_macros_is_rejected() -> None:
    content = make_docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})

    assert rejection("macro.docx", content) == (
        "“macro.docx” contains macros, which are not accepted; "
        "save it as an ordinary Word document (.docx) or a PDF."
    )


# --- Never anything but UploadRejected ------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        make_pdf,
        lambda: make_image("PNG", (32, 32), noise=True),
        lambda: make_image("JPEG", (32, 32), noise=True),
        lambda: make_docx({"word/media/image1.png": make_image("PNG", (16, 16), noise=True)}),
    ],
    ids=["pdf", "png", "jpeg", "docx"],
)
def test_mangled_files_are_accepted_or_rejected_never_crash(build) -> None:
    original = build()
    rng = random.Random(2024)
    for _ in range(150):
        content = bytearray(original)
        for _flip in range(rng.randint(1, 8)):
            content[rng.randrange(len(content))] = rng.randrange(256)
        content = content[: rng.randint(1, len(content))] if rng.random() < 0.5 else content
        try:
            result = inspect_upload(upload("mangled", bytes(content)))
        except UploadRejected as rejected:
            assert rejected.message.startswith("“mangled”")
        else:
            assert result.sha256 == hashlib.sha256(content).hexdigest()


# --- Names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd.pdf", ".pdf", "passwd.pdf"),
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("..\\..\\evil.pdf", ".pdf", "evil.pdf"),
        ("..\\..\\win.ini", ".pdf", "win.pdf"),
        ("C:\\Users\\sam\\Desktop\\CPD log.docx", ".docx", "CPD log.docx"),
        ("<script>.pdf", ".pdf", "script.pdf"),
        ("<img src=x onerror=alert(1)>.png", ".png", "img srcx onerroralert(1).png"),
        (".hidden.pdf", ".pdf", "hidden.pdf"),
        ("...pdf", ".pdf", "attachment.pdf"),
        (".pdf", ".pdf", "attachment.pdf"),
        (".bashrc", ".pdf", "bashrc.pdf"),
        ("scan.PDF.exe", ".pdf", "scan.PDF.pdf"),
        ("scan.PDF", ".pdf", "scan.pdf"),
        ("photo.jpeg", ".jpg", "photo.jpg"),
        ("IMG_0042.HEIC", ".jpg", "IMG_0042.jpg"),
        ("notes v1.2", ".docx", "notes v1.2.docx"),
        ("Report v1.2 final", ".pdf", "Report v1.2 final.pdf"),
        ("Smith J. Reflection.docx", ".docx", "Smith J. Reflection.docx"),
        ("archive.tar.gz", ".pdf", "archive.tar.pdf"),
        ("report\x00\x07\x1b.pdf", ".pdf", "report.pdf"),
        ("a\tb\n\r c.pdf", ".pdf", "a b c.pdf"),
        ("  spaced   out  .pdf", ".pdf", "spaced out.pdf"),
        ("ends with dots...", ".pdf", "ends with dots.pdf"),
        ("photo\u202egpj.exe", ".png", "photogpj.png"),  # right-to-left override dropped
        ("zero\u200bwidth.pdf", ".pdf", "zerowidth.pdf"),
        ("C:evil.pdf", ".pdf", "Cevil.pdf"),
        ("Cafe\u0301 visit.pdf", ".pdf", "Caf\u00e9 visit.pdf"),  # NFC: one composed é
        ("Adroddiad ŵyr – Siân.pdf", ".pdf", "Adroddiad ŵyr Siân.pdf"),
        ("Żółć (draft), final.docx", ".docx", "Żółć (draft), final.docx"),
        ("رپورٹ.pdf", ".pdf", "رپورٹ.pdf"),
        ("x" * 300 + ".pdf", ".pdf", "x" * 100 + ".pdf"),
        ("!!!@@@###$$$.pdf", ".pdf", "attachment.pdf"),
        ("***", ".png", "attachment.png"),
        ("", ".pdf", "attachment.pdf"),
        ("...", ".pdf", "attachment.pdf"),
        ("folder/", ".pdf", "attachment.pdf"),
        ("../..", ".pdf", "attachment.pdf"),
        ("report.pdf", ".PDF", "report.pdf"),
    ],
)
def test_safe_filename(name: str, extension: str, expected: str) -> None:
    assert safe_filename(name, extension) == expected


def test_long_name_is_capped_before_the_extension() -> None:
    result = safe_filename("é" * 250 + ".docx", ".docx")

    assert result == "é" * 100 + ".docx"


def test_rejection_names_the_file_by_its_sanitised_name() -> None:
    message = rejection("../../<b onmouseover=x>.pdf\x00", b"<html></html>")

    assert message == "“b onmouseoverx.pdf” is named like a PDF but its content is not a PDF."


def test_rejection_of_a_nameless_upload_still_reads_well() -> None:
    file: UploadedFile = SimpleUploadedFile("x", b"")
    file.name = None

    with pytest.raises(UploadRejected) as caught:
        inspect_upload(file)

    assert caught.value.message == "“attachment” is empty."
