"""Validation of an uploaded evidence attachment: what it really is, and a safe name for it.

Pure functions over a Django ``UploadedFile``: no models, no storage. The caller saves the file
(rewound by us) under the content type, extension and name we return, never the browser's.

The type is decided from the bytes alone. A file's name and the browser's ``Content-Type`` are
chosen by whoever sends it, so trusting either would let an HTML or SVG page (script and all) be
stored and later served as "report.pdf". The name only shapes the wording of the rejection, so
a practitioner who renamed a file understands why it was refused.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_ATTACHMENTS_PER_ITEM = 20  # enforced where items are saved; exported so forms can say it
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# A DOCX is a ZIP; these bound what anything that later unpacks it could be made to write or
# walk. We never extract, so the declared sizes are all we see; code that does unpack a member
# must still cap what it reads, as the declared size can lie.
MAX_DOCX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000

# Above any phone camera's default mode (48-50 MP) and below Pillow's own decompression-bomb
# warning (~89 MP). Anything bigger would cost hundreds of MB to decode when a thumbnail or the
# PDF export draws it.
MAX_IMAGE_PIXELS = 80_000_000

STEM_MAX_CHARS = 100
FALLBACK_STEM = "attachment"

_PDF_MAGIC = b"%PDF-"
_PDF_EOF = b"%%EOF"
_PDF_TAIL_BYTES = 2048
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_ZIP_MAGIC = b"PK\x03\x04"
_HEAD_BYTES = len(_PNG_MAGIC)  # the longest signature we test

_DOCX_CONTENT_TYPES = "[content_types].xml"
# Desktop Word names the main part word/document.xml, but Word Online (Office 365, which many
# NHS and local-authority practitioners use) saves word/document2.xml or document22.xml. ECMA-376
# lets the main part have any name, so accept the numbered variants rather than refuse real
# documents. OPC part names are case-insensitive, hence the lower-casing where this is used.
_DOCX_MAIN_PART = re.compile(r"word/document\d*\.xml")
# A .docm renamed to .docx: Word refuses to open it anyway, and nobody needs macros in evidence.
_DOCX_MACROS = "word/vbaproject.bin"


@dataclass(frozen=True)
class _Kind:
    kind: str
    content_type: str
    extension: str
    label: str  # how the practitioner would name it, with its article


_KINDS = {
    k.kind: k
    for k in (
        _Kind("pdf", "application/pdf", ".pdf", "a PDF"),
        _Kind("png", "image/png", ".png", "a PNG image"),
        _Kind("jpeg", "image/jpeg", ".jpg", "a JPEG image"),
        _Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            "a Word (.docx) file",
        ),
    )
}

# Only to word a rejection: what the practitioner thought they were sending.
_KIND_BY_NAME_EXTENSION = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "docx": "docx",
}

# What we treat as a file extension when replacing it: up to 5 ASCII letters and digits with at
# least one letter. "notes v1.2" keeps its ".2" and "Report v1.2 final" keeps its ".2 final";
# "scan.exe" and "photo.HEIC" lose theirs.
_EXTENSION_MAX_CHARS = 5

_ALLOWED_PUNCTUATION = frozenset(" -_.(),")


class UploadRejected(Exception):
    """The upload is not acceptable evidence; ``message`` is shown to the practitioner as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class InspectedUpload:
    kind: str  # "pdf" | "png" | "jpeg" | "docx"
    content_type: str  # the type to store and serve, from the content
    extension: str  # ".pdf" ".png" ".jpg" ".docx"
    filename: str  # sanitised display name, extension matching the content
    size: int
    sha256: str  # hex digest of the bytes


# --- Names --------------------------------------------------------------------------------------


def _split_clean(name: str) -> tuple[str, str]:
    """The sanitised (stem, extension-without-dot) of a browser-supplied name."""
    # Browsers send a bare name, but old IE and some clients send the whole client path, and an
    # attacker can send anything: keep only what follows the last separator of either OS.
    name = re.split(r"[/\\]", name or "")[-1]
    name = unicodedata.normalize("NFC", name)
    kept = []
    for char in name:
        if char.isspace():
            kept.append(" ")  # tabs, newlines, no-break spaces: all become one kind of space
        elif unicodedata.category(char)[0] in "LM" or unicodedata.category(char) == "Nd":
            # Letters in any script (accented Latin, Welsh, Polish, Urdu...), their combining
            # marks where NFC leaves them separate, and decimal digits. Everything else, including
            # control and format characters such as the right-to-left override used to disguise
            # "gpj.exe" as "exe.jpg", is dropped.
            kept.append(char)
        elif char in _ALLOWED_PUNCTUATION:
            kept.append(char)
    cleaned = re.sub(r" +", " ", "".join(kept)).strip()

    stem, dot, extension = cleaned.rpartition(".")
    if not (
        dot
        and len(extension) <= _EXTENSION_MAX_CHARS
        and extension.isascii()
        and extension.isalnum()
        and not extension.isdigit()
    ):
        stem, extension = cleaned, ""
    # Leading dots make hidden files on Unix and "." or ".." mean a directory; leading spaces
    # are invisible in a list of files. Stripped after the extension is split off, so a name
    # that was nothing but symbols and ".pdf" becomes "attachment.pdf", not "pdf.pdf".
    stem = stem.lstrip(". ")
    # Windows drops trailing dots and spaces, so a name ending in them would not round-trip.
    stem = stem[:STEM_MAX_CHARS].rstrip(". ") or FALLBACK_STEM
    return stem, extension


def safe_filename(name: str, extension: str) -> str:
    """A display name safe to show, store and send in Content-Disposition.

    The last extension, if there is one, is dropped and ``extension`` (the detected one) is
    added: "scan.PDF.exe" holding a PDF becomes "scan.PDF.pdf". Only the last one is replaced
    because that is the one operating systems act on, and anything before it ("Smith J. 2024",
    "scan.PDF") is more likely part of what the practitioner called the file than a type.
    """
    stem, _old = _split_clean(name)
    return f"{stem}{extension.lower()}"


def _display_name(name: str) -> str:
    """The sanitised name with its own extension, quoted, to name the file in a rejection."""
    stem, extension = _split_clean(name)
    return f"“{stem}.{extension}”" if extension else f"“{stem}”"


# --- Content ------------------------------------------------------------------------------------


def inspect_upload(upload: UploadedFile) -> InspectedUpload:
    """Decide what ``upload`` really is, or raise ``UploadRejected`` saying why it is refused.

    The file is rewound before returning so the caller can save it.
    """
    shown = _display_name(upload.name or "")

    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > MAX_ATTACHMENT_BYTES:
            # Stop at once rather than hash the rest of something we will refuse anyway.
            raise UploadRejected(
                f"{shown} is larger than 10 MB. Reduce its size or split it, and try again."
            )
        digest.update(chunk)
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
    if size == 0:
        raise UploadRejected(f"{shown} is empty.")

    if head.startswith(_PDF_MAGIC):
        kind = _check_pdf(upload, size, shown)
    elif head.startswith(_PNG_MAGIC):
        kind = _check_image(upload, "png", ("PNG",), shown)
    elif head.startswith(_JPEG_MAGIC):
        # Pillow reports JPEGs that carry a second, multi-picture image (some cameras and
        # phones write these) as "MPO"; they are still ordinary JPEGs to every viewer.
        kind = _check_image(upload, "jpeg", ("JPEG", "MPO"), shown)
    elif head.startswith(_ZIP_MAGIC):
        kind = _check_docx(upload, shown)
    else:
        raise _not_allowed(upload.name or "", shown)

    upload.seek(0)
    return InspectedUpload(
        kind=kind.kind,
        content_type=kind.content_type,
        extension=kind.extension,
        filename=safe_filename(upload.name or "", kind.extension),
        size=size,
        sha256=digest.hexdigest(),
    )


def _not_allowed(name: str, shown: str) -> UploadRejected:
    _stem, extension = _split_clean(name)
    claimed = _KIND_BY_NAME_EXTENSION.get(extension.lower())
    if claimed:
        # The practitioner thinks it is an allowed type (often a web page saved as "report.pdf"
        # or a file renamed by hand), so say that the content, not the name, is the problem.
        label = _KINDS[claimed].label
        return UploadRejected(f"{shown} is named like {label} but its content is not {label}.")
    return UploadRejected(f"{shown} is not a PDF, PNG, JPEG or Word (.docx) file.")


def _damaged(kind: str, shown: str) -> UploadRejected:
    return UploadRejected(
        f"{shown} looks like {_KINDS[kind].label} but is damaged or incomplete; "
        "save or export it again and try again."
    )


def _check_pdf(upload: UploadedFile, size: int, shown: str) -> _Kind:
    # Every PDF writer ends the file with %%EOF, perhaps followed by a little whitespace or
    # junk; its absence means the file was cut short (an interrupted download, say).
    upload.seek(max(0, size - _PDF_TAIL_BYTES))
    if _PDF_EOF not in upload.read(_PDF_TAIL_BYTES):
        raise _damaged("pdf", shown)
    return _KINDS["pdf"]


def _check_image(upload: UploadedFile, kind: str, formats: tuple[str, ...], shown: str) -> _Kind:
    upload.seek(0)
    try:
        # Pillow warns about odd but readable images (large sizes, EXIF quirks); the pixel limit
        # is checked below explicitly, so the warnings would only be noise in the logs (and
        # errors under the test suite). catch_warnings touches process-wide state, which is
        # fine under gunicorn's single-threaded sync workers.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(upload, formats=list(formats)) as image:
                if image.format not in formats:
                    raise _damaged(kind, shown)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRejected(
                        f"{shown} has too many pixels to accept; "
                        "reduce its dimensions and try again."
                    )
                if kind == "jpeg":
                    # verify() is a no-op for JPEG in Pillow, so decode instead, at 1/8 scale
                    # (cheap: DCT scaling), which fails on a corrupt data stream. It does not
                    # reliably fail on a truncated one: WeasyPrint sets Pillow's process-wide
                    # LOAD_TRUNCATED_IMAGES on import, which makes truncation silent, hence
                    # _jpeg_is_complete() below.
                    image.draft(image.mode, (1, 1))
                    image.load()
                else:
                    # For PNG, checks every chunk's CRC up to IEND without decoding pixels.
                    image.verify()
    except UploadRejected:
        raise
    except Image.DecompressionBombError as error:
        raise UploadRejected(
            f"{shown} has too many pixels to accept; reduce its dimensions and try again."
        ) from error
    except Exception as error:
        # Pillow's parsers raise a zoo for hostile input (OSError, SyntaxError, ValueError,
        # struct.error, EOFError, IndexError...). Any of them means "not a usable image", which
        # is the practitioner's 400, not our 500.
        raise _damaged(kind, shown) from error
    if kind == "jpeg" and not _jpeg_is_complete(upload):
        raise _damaged(kind, shown)
    return _KINDS[kind]


def _jpeg_is_complete(upload: UploadedFile) -> bool:
    """Whether the JPEG's marker chain reaches its End Of Image marker (FF D9).

    Walks the segments by their declared lengths, so an FF D9 inside an embedded EXIF thumbnail
    does not count, and skips each scan's entropy-coded data, where FF is always followed by 00
    (a stuffed byte) or a restart marker. A file cut short runs out before reaching EOI.
    """
    upload.seek(0)
    data = upload.read()  # at most MAX_ATTACHMENT_BYTES, already checked
    end = len(data)
    pos = 2  # after SOI (FF D8), checked by the caller
    while True:
        # Like libjpeg, tolerate stray bytes before a marker rather than refuse the photo.
        pos = data.find(b"\xff", pos)
        if pos < 0:
            return False
        while pos < end and data[pos] == 0xFF:  # FF fill bytes may pad before a marker
            pos += 1
        if pos >= end:
            return False
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return True
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue  # TEM and RSTn stand alone, with no length
        if pos + 2 > end:
            return False
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return False
        pos += length
        if pos > end:
            return False
        if marker == 0xDA:  # start of scan: skip its entropy-coded data
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return False
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                    continue
                break  # a real marker: back to the segment walk


def _check_docx(upload: UploadedFile, shown: str) -> _Kind:
    upload.seek(0)
    try:
        # Opening reads only the central directory: names and declared sizes, no member data.
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except Exception as error:
        # BadZipFile, LargeZipFile, OSError, EOFError, ValueError, NotImplementedError... from
        # a corrupt or hostile archive: all mean "not a document we can accept".
        raise _damaged_or_not_docx(upload.name or "", shown) from error

    names = {member.filename.lower() for member in members}
    if _DOCX_CONTENT_TYPES not in names or not any(map(_DOCX_MAIN_PART.fullmatch, names)):
        # A ZIP of photos, an .xlsx, .pptx or .odt: not something we accept.
        raise _not_allowed(upload.name or "", shown)
    if (
        len(members) > MAX_DOCX_MEMBERS
        or sum(member.file_size for member in members) > MAX_DOCX_UNCOMPRESSED_BYTES
    ):
        raise UploadRejected(
            f"{shown} is too large to accept once unpacked; try saving it as a PDF instead."
        )
    if _DOCX_MACROS in names:
        raise UploadRejected(
            f"{shown} contains macros, which are not accepted; "
            "save it as an ordinary Word document (.docx) or a PDF."
        )
    return _KINDS["docx"]


def _damaged_or_not_docx(name: str, shown: str) -> UploadRejected:
    # A broken ZIP named .docx is most likely a damaged Word file; any other name, and it is
    # simply not a type we accept.
    _stem, extension = _split_clean(name)
    if extension.lower() == "docx":
        return _damaged("docx", shown)
    return _not_allowed(name, shown)
