"""Storage for private files (attachments, exports)."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Files that only permission-checked views may serve: there is no public URL to build,
    so a template that tries `{{ file.url }}` fails loudly instead of making a broken link."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")
