"""Request bodies are refused early with a page, never a 500 (issue 11, finding 10)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory

from imhcpd.upload_limits import ENVELOPE_BYTES, LimitedUploadHandler, UploadTooLarge
from portfolios.models import Attachment
from tests.factories import make_evidence

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class CountingInput(io.RawIOBase):
    """A request body of `size` zero bytes that remembers how much of it was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"\0" * n
        self.read_bytes += n
        return n


def test_the_limits_are_set() -> None:
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert django_settings.UPLOAD_MAX_BYTES == 10 * MB  # portfolios.uploads.MAX_ATTACHMENT_BYTES
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "imhcpd.upload_limits.LimitedUploadHandler"


def test_a_declared_oversize_body_is_refused_before_a_byte_is_read() -> None:
    body = CountingInput(150 * MB)
    environ = RequestFactory()._base_environ(
        PATH_INFO="/verify/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )
    seen: list[str] = []
    # As the test client does: the end of this request must not close the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda status, headers: seen.append(status))
        html = b"".join(response).decode()
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    assert seen[0].startswith("413 ")
    assert body.read_bytes == 0
    assert "<title>File too large — IMH CPD</title>" in html
    assert "This page accepts files of up to 100.0\xa0MB." in html


def test_an_attachment_far_over_10_mb_gets_the_413_page_and_nothing_is_kept(  # type: ignore[no-untyped-def]
    client, practitioner
) -> None:
    evidence = make_evidence(practitioner.portfolio)
    client.force_login(practitioner)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (12 * MB))

    response = client.post(f"/portfolio/evidence/{evidence.pk}/attachments/", {"file": big})

    assert response.status_code == 413
    assert "This page accepts files of up to 10.0\xa0MB." in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_verify_page_takes_a_larger_file_than_an_attachment(client) -> None:  # type: ignore[no-untyped-def]
    pdf = SimpleUploadedFile("issued.pdf", b"%PDF-1.7\n" + b"0" * (12 * MB))

    response = client.post("/verify/", {"file": pdf})

    # Read and hashed (not one of ours), not refused for its size.
    assert response.status_code == 404
    assert "File too large" not in response.content.decode()


def test_the_handler_stops_reading_once_the_files_pass_the_limit(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1 * MB
    handler = LimitedUploadHandler(RequestFactory().post("/"))
    with pytest.raises(UploadTooLarge):
        handler.handle_raw_input(None, {}, 2 * MB + ENVELOPE_BYTES, b"x", None)
    # Two files of 700 KB each: the second passes the request's limit part-way.
    handler.new_file("file", "a.pdf", "application/pdf", None)
    for _ in range(7):
        assert handler.receive_data_chunk(b"0" * 100_000, 0)
    handler.new_file("file", "b.pdf", "application/pdf", None)
    with pytest.raises(UploadTooLarge):
        for _ in range(7):
            handler.receive_data_chunk(b"0" * 100_000, 0)
    assert handler.received <= 1 * MB + ENVELOPE_BYTES + 100_000


def test_too_much_text_is_a_413_page(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)

    response = client.post(
        "/supervision/supervisors/",
        "name=" + "a" * (3 * MB),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    assert "This form accepts up to 2.0\xa0MB of text." in response.content.decode()


def test_too_many_fields_is_a_400_page(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)

    response = client.post(
        "/supervision/supervisors/",
        "&".join(f"f{n}=1" for n in range(1500)),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "<title>Bad request — IMH CPD</title>" in response.content.decode()
