"""Storage for private files (attachments, exports)."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


class PrivateFileSystemStorage(FileSystemStorage):
    """Files that only permission-checked views may serve: there is no public URL to build,
    so a template that tries `{{ file.url }}` fails loudly instead of making a broken link."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")


# Types whose content the upload check verified byte by byte and that browsers show on
# their own (no page of ours around them): only these may be opened in the browser.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def private_download(
    file: FieldFile, filename: str, content_type: str, *, inline: bool = False
) -> FileResponse:
    """A private file, never sniffed, never cached; a download unless `inline` is asked for
    and the type is one a browser shows by itself (PDF, PNG, JPEG)."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    shown = inline and content_type in INLINE_TYPES
    response = FileResponse(
        handle, as_attachment=not shown, filename=filename, content_type=content_type
    )
    if shown and content_type.startswith("image/"):
        # The browser's image page may load the image and nothing else. (Not on PDFs: a
        # policy without object-src leaves Chromium's PDF viewer blank; their scripts run in
        # the viewer's own sandbox.)
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
