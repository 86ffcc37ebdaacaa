"""Request bodies refused early: before they are read, or as soon as they pass the limit.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE against form fields, but a file in a multipart body
is streamed to disk whatever its size, and a form only learns the size after the whole body
has arrived. Here:

* ``UploadLimitMiddleware`` (before CSRF, the first to read the body) works out the view's
  limit (``settings.UPLOAD_MAX_BYTES``, or ``UPLOAD_MAX_BYTES_BY_VIEW`` by URL name), refuses
  a declared Content-Length over it without reading a byte, then reads the form itself so that
  any size error becomes a clear 413 (or 400) page instead of a 500 or a bare 400;
* ``LimitedUploadHandler`` (first of FILE_UPLOAD_HANDLERS) counts the file bytes as they
  stream in and stops reading once they pass the limit: a chunked or lying body costs at most
  the limit plus one chunk.

The forms still check each file's own limit and say so in their field's message; this is the
outer wall.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

# Multipart boundaries, headers and the ordinary fields that travel beside the file.
ENVELOPE_BYTES = 256 * 1024


class UploadTooLarge(RequestDataTooBig):
    """A SuspiciousOperation: outside the middleware Django still answers 400, not 500."""


def upload_limit(request: HttpRequest) -> int:
    match = getattr(request, "resolver_match", None)
    limits = settings.UPLOAD_MAX_BYTES_BY_VIEW
    if match is not None and match.view_name in limits:
        return limits[match.view_name]
    return settings.UPLOAD_MAX_BYTES


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_limit(request) if request is not None else settings.UPLOAD_MAX_BYTES
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # type: ignore[no-untyped-def]
        if content_length and content_length > self.limit + ENVELOPE_BYTES:
            raise UploadTooLarge(f"declared body of {content_length} bytes")
        return None  # let the parser go on

    def new_file(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        return None  # counting only: the next handlers store the file

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # Across every file of the request, so twenty 9 MB parts do not pass either.
        # The envelope's slack lets a file just over its form's limit reach the form, which
        # says so beside the field; anything bigger stops here.
        self.received += len(raw_data)
        if self.received > self.limit + ENVELOPE_BYTES:
            raise UploadTooLarge(f"upload passed {self.limit} bytes")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(request: HttpRequest, description: str) -> HttpResponse:
    # No `Connection: close` (a WSGI application may not set hop-by-hop headers): the server
    # decides what to do with the unread rest, and the proxy's own limit comes first anyway.
    return render(request, "413.html", {"description": description}, status=413)


def _files_text(limit: int) -> str:
    return f"This page accepts files of up to {filesizeformat(limit)}."


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:  # type: ignore[no-untyped-def]
        if request.method != "POST":
            return None
        limit = upload_limit(request)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        multipart = request.content_type == "multipart/form-data"
        if multipart and declared > limit + ENVELOPE_BYTES:
            return _too_large(request, _files_text(limit))
        try:
            request.POST  # noqa: B018 - parse now, where a size error can get its own page
        except UploadTooLarge:
            return _too_large(request, _files_text(limit))
        except RequestDataTooBig:
            # Form fields beyond DATA_UPLOAD_MAX_MEMORY_SIZE: no page of ours sends that much.
            size = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            return _too_large(request, f"This form accepts up to {size} of text.")
        except TooManyFilesSent:
            count = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            text = f"A page accepts up to {count} files at once. Nothing was saved."
            return render(request, "400.html", {"description": text}, status=400)
        except TooManyFieldsSent:
            return render(request, "400.html", status=400)
        return None
