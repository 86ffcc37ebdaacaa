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


def private_download(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """A private file as a download: never shown inline, never sniffed, never cached."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
