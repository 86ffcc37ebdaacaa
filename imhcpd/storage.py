"""Storage for private files (attachments, exports): the local disk for one machine and
`make run`, or an S3-compatible object store (AWS S3, MinIO, Ceph, …) for several.

Chosen by configuration (`FILE_STORAGE`, see `private_files_storage`). Either way there is no
public URL: every file goes out through a permission-checked view that streams it
(`private_download`), so access is recorded and the headers are ours.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import render

try:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    from s3transfer.constants import ALLOWED_DOWNLOAD_ARGS
    from storages.backends.s3 import S3Storage
    from storages.utils import clean_name
except ImportError:  # pragma: no cover - the S3 extra is a declared dependency
    S3Storage = None  # type: ignore[assignment,misc]
    BotoCoreError = ClientError = OSError  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

# What a store raises when it is briefly unreachable or refuses a request: worth a retry,
# unlike a file that is simply not there (FileNotFoundError, handled on its own).
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)


class PrivateFileSystemStorage(FileSystemStorage):
    """Files that only permission-checked views may serve: there is no public URL to build,
    so a template that tries `{{ file.url }}` fails loudly instead of making a broken link."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")


if S3Storage is not None:

    class PrivateS3Storage(S3Storage):
        """A private bucket: no ACL of ours (the bucket's own policy, which must block public
        access, decides), never overwritten (names are random; a clash gets a new name), and
        no URL — not even a presigned one, which anyone holding it could use until it expired
        and which would bypass the access record the download views keep."""

        def url(self, name: str | None, parameters: Any = None, expire: Any = None) -> str:
            raise NotImplementedError("Private files have no URL; serve them through a view.")

        def open_stream(self, name: str) -> tuple[Any, int]:
            """The object's body, unread, and its length, from one GET.

            `open()` gives an S3File, which copies the whole object into a temporary file
            (memory, then disk) before the first byte can be read: a download of a large file
            would wait for all of it and hold it twice. The body streams from the store instead;
            the caller must close it. A missing object is FileNotFoundError, as from `open()`;
            any other refusal is raised here, before a response has started.
            """
            key = self._normalize_name(clean_name(name))
            # The same download parameters S3File passes (a customer-provided key, …).
            params = {
                arg: value
                for arg, value in self.get_object_parameters(name).items()
                if arg in ALLOWED_DOWNLOAD_ARGS
            }
            try:
                answer = self.bucket.Object(key).get(**params)
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    raise FileNotFoundError(f"File does not exist: {key}") from None
                raise
            return answer["Body"], answer["ContentLength"]


def private_files_storage(env: Any = os.environ) -> dict[str, Any]:
    """The STORAGES["default"] entry, from the environment.

    FILE_STORAGE=local (default): files under settings.MEDIA_ROOT on this machine's disk.
    FILE_STORAGE=s3: S3_BUCKET (required), S3_ENDPOINT_URL (MinIO, Ceph, a local test server;
    empty for AWS), S3_REGION, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (empty: boto3's own
    chain — AWS_* variables, an instance or task role), S3_PREFIX (a folder inside the bucket).
    """
    kind = env.get("FILE_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        # No fixed location: the storage follows settings.MEDIA_ROOT, even when a test moves it.
        return {"BACKEND": "imhcpd.storage.PrivateFileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"FILE_STORAGE is 'local' or 's3', not {kind!r}.")
    bucket = env.get("S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET, the private bucket's name.")
    endpoint = env.get("S3_ENDPOINT_URL", "").strip() or None
    return {
        "BACKEND": "imhcpd.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": env.get("S3_REGION", "").strip() or "eu-west-2",
            "access_key": env.get("S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": env.get("S3_SECRET_ACCESS_KEY", "").strip() or None,
            "location": env.get("S3_PREFIX", "").strip().strip("/"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": False,
            # Self-hosted stores usually answer on one host name, not one per bucket.
            "addressing_style": "path" if endpoint else None,
            # A file read in this process (an export's images, the data download) is copied
            # into a temporary file that moves to disk past 2 MB; page downloads stream the
            # object instead (private_download).
            "max_memory_size": 2 * 1024 * 1024,
            "object_parameters": {"ServerSideEncryption": "AES256"},
            # A store that does not answer is a transient error for the caller (a retried
            # export, a 503 page), not a web worker held for minutes.
            "client_config": Config(
                connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}
            ),
        },
    }


# Types whose content the upload check verified byte by byte and that browsers show on
# their own (no page of ours around them): only these may be opened in the browser.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


class ObjectResponse(FileResponse):
    """An object store's body, passed on as it arrives: in 64 KB reads rather than
    FileResponse's 4 KB, each one a read from the store's connection. The body is closed
    with the response (FileResponse closes what it streams)."""

    block_size = 64 * 1024


def private_download(
    file: FieldFile, filename: str, content_type: str, *, inline: bool = False
) -> FileResponse:
    """A private file, never sniffed, never cached; a download unless `inline` is asked for
    and the type is one a browser shows by itself (PDF, PNG, JPEG)."""
    shown = inline and content_type in INLINE_TYPES
    options = {"as_attachment": not shown, "filename": filename, "content_type": content_type}
    try:
        if S3Storage is not None and isinstance(file.storage, PrivateS3Storage):
            body, length = file.storage.open_stream(file.name)
            response: FileResponse = ObjectResponse(body, **options)
            # Not a seekable file, so FileResponse cannot measure it; the store said.
            response["Content-Length"] = str(length)
        else:
            response = FileResponse(file.open("rb"), **options)
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
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


class StoreUnavailableMiddleware:
    """The object store did not answer (network, credentials, a 5xx): a 503 page that says
    nothing was lost and to try again, rather than a 500. Local-disk errors are not caught
    here — an OSError can mean too many things to call them all an outage."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_exception(self, request: Any, exception: Exception) -> Any:
        if S3Storage is None or not isinstance(exception, (BotoCoreError, ClientError)):
            return None
        logger.error("file store unavailable: %s", exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "60"
        return response
