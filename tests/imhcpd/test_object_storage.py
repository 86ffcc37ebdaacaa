"""Private files in an S3-compatible object store (FILE_STORAGE=s3), against a real server.

The server is moto in server mode, a process of its own on a local port (tests/objectstore.py);
this process talks to it over HTTP through django-storages and boto3, as production does with
AWS S3, MinIO or Ceph. Each test gets a bucket of its own. The missing-attachment checks run
on both stores: a PDF never quietly lacks a picture, wherever the files are kept.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from botocore.response import StreamingBody
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from storages.backends.s3 import S3File

from imhcpd.erasure import account_erase
from imhcpd.storage import PrivateS3Storage, private_download, private_files_storage
from portfolios.exports import services as exports
from portfolios.exports import worker
from portfolios.exports.models import PortfolioExport
from portfolios.exports.snapshot import ExportOptions
from portfolios.models import Attachment
from portfolios.services import attachment_add
from tests.factories import make_evidence
from tests.objectstore import S3Server

pytestmark = pytest.mark.django_db


def photo(colour: tuple[int, int, int] = (30, 110, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3(settings, tmp_path, s3_server) -> Iterator[tuple[S3Server, str]]:  # type: ignore[no-untyped-def]
    """This process's private files go to a fresh bucket; the local media folder is moved to
    an empty one, so a file written to disk by mistake would show."""
    bucket = s3_server.new_bucket()
    settings.MEDIA_ROOT = str(tmp_path / "media-must-stay-empty")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private_files_storage(s3_server.environment(bucket)),
    }
    yield s3_server, bucket
    assert not Path(settings.MEDIA_ROOT).exists(), "a private file was written to local disk"


@pytest.fixture(params=["local", "s3"])
def store(request, settings, tmp_path):  # type: ignore[no-untyped-def]
    """Either store; yields a function that removes a stored file behind the app's back."""
    if request.param == "local":
        settings.MEDIA_ROOT = str(tmp_path / "media")
        return lambda name: (Path(settings.MEDIA_ROOT) / name).unlink()
    server, bucket = request.getfixturevalue("s3")
    return lambda name: server.client().delete_object(Bucket=bucket, Key=name)


def attach(practitioner, name: str = "poster.jpg", content: bytes | None = None) -> Attachment:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio, kind="other", title="Poster", codes=["2.01"])
    upload = SimpleUploadedFile(name, content or photo(), content_type="image/jpeg")
    return attachment_add(evidence=evidence, upload=upload, by=practitioner)


def render_export(practitioner) -> PortfolioExport:  # type: ignore[no-untyped-def]
    export, _ = exports.export_request(
        user=practitioner, options=ExportOptions(kind="portfolio", level=2)
    )
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    return export


# --- Configuration ---------------------------------------------------------------------------


def test_the_store_is_chosen_by_configuration() -> None:
    assert private_files_storage({}) == {"BACKEND": "imhcpd.storage.PrivateFileSystemStorage"}
    s3 = private_files_storage({"FILE_STORAGE": "s3", "S3_BUCKET": "imh-files"})
    assert s3["BACKEND"] == "imhcpd.storage.PrivateS3Storage"
    options = s3["OPTIONS"]
    assert (options["bucket_name"], options["region_name"]) == ("imh-files", "eu-west-2")
    # AWS itself: no endpoint, virtual-host addressing, boto3's own credentials chain.
    assert (options["endpoint_url"], options["addressing_style"], options["access_key"]) == (
        None,
        None,
        None,
    )
    # Nothing public, nothing overwritten.
    assert (options["default_acl"], options["file_overwrite"]) == (None, False)
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        private_files_storage({"FILE_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="'local' or 's3'"):
        private_files_storage({"FILE_STORAGE": "ftp"})


# --- Attachments through the pages -----------------------------------------------------------


def test_an_upload_goes_to_the_bucket_and_downloads_with_the_same_headers(  # type: ignore[no-untyped-def]
    client, practitioner, s3
) -> None:
    server, bucket = s3
    content = photo()
    evidence = make_evidence(practitioner.portfolio, kind="other", title="Poster", codes=["2.01"])
    client.force_login(practitioner)
    upload = SimpleUploadedFile("Poster of the day.jpg", content, content_type="image/jpeg")
    response = client.post(f"/portfolio/evidence/{evidence.pk}/attachments/", {"file": upload})
    assert response.status_code == 302

    attachment = Attachment.objects.get()
    assert isinstance(default_storage._wrapped, PrivateS3Storage)
    assert server.keys(bucket) == [attachment.file.name]
    assert attachment.file.name.startswith(f"attachments/{practitioner.portfolio.pk}/")
    head = server.client().head_object(Bucket=bucket, Key=attachment.file.name)
    assert head["ServerSideEncryption"] == "AES256"
    acl = server.client().get_object_acl(Bucket=bucket, Key=attachment.file.name)
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in acl["Grants"])

    download = client.get(f"/portfolio/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"] == 'attachment; filename="Poster of the day.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"


@pytest.fixture
def no_s3file(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """S3File copies the whole object to a temporary file before the first byte goes out;
    a download that reached for it would fail here."""

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a download went through S3File")

    monkeypatch.setattr(S3File, "__init__", refuse)


def test_a_large_file_streams_from_the_bucket_as_it_arrives(  # type: ignore[no-untyped-def]
    client, practitioner, s3, no_s3file
) -> None:
    server, bucket = s3
    attachment = attach(practitioner, name="Scan of the day.jpg")
    # Larger than the 2 MB a spooled copy keeps in memory; random, so nothing compresses it.
    content = os.urandom(3 * 1024 * 1024 + 17)
    server.client().put_object(Bucket=bucket, Key=attachment.file.name, Body=content)

    client.force_login(practitioner)
    response = client.get(f"/portfolio/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response.streaming
    assert not isinstance(response.file_to_stream, S3File)
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert b"".join(chunks) == content
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="Scan of the day.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "Content-Security-Policy" not in response


def test_an_image_shown_inline_from_the_bucket_keeps_its_headers_and_closes_the_body(  # type: ignore[no-untyped-def]
    practitioner, s3, no_s3file, monkeypatch
) -> None:
    closed = []
    close = StreamingBody.close

    def close_and_record(body: StreamingBody) -> None:
        closed.append(body)
        close(body)

    monkeypatch.setattr(StreamingBody, "close", close_and_record)
    content = photo()
    attachment = attach(practitioner, content=content)
    response = private_download(attachment.file, "poster.jpg", "image/jpeg", inline=True)
    assert response["Content-Disposition"] == 'inline; filename="poster.jpg"'
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "nosniff",
        "private, no-store",
    )
    # A browser that goes away after the first chunk: the store's connection is let go.
    assert content.startswith(next(iter(response.streaming_content)))
    assert closed == []
    response.close()
    assert closed == [response.file_to_stream]


def test_there_is_no_url_to_a_private_file(s3) -> None:  # type: ignore[no-untyped-def]
    name = default_storage.save("attachments/1/note.txt", io.BytesIO(b"private"))
    with pytest.raises(NotImplementedError, match="no URL"):
        default_storage.url(name)


def test_a_file_gone_from_the_bucket_is_a_404_not_a_500(client, practitioner, s3) -> None:  # type: ignore[no-untyped-def]
    server, bucket = s3
    attachment = attach(practitioner)
    server.client().delete_object(Bucket=bucket, Key=attachment.file.name)
    client.force_login(practitioner)
    assert client.get(f"/portfolio/attachments/{attachment.pk}/").status_code == 404


def test_an_unreachable_store_answers_503_and_loses_nothing(  # type: ignore[no-untyped-def]
    client, practitioner, settings, s3
) -> None:
    attachment = attach(practitioner)
    # The same bucket's settings, pointed at a port where nothing answers.
    broken = private_files_storage(
        {**s3[0].environment(s3[1]), "S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    settings.STORAGES = {**settings.STORAGES, "default": broken}
    client.force_login(practitioner)
    response = client.get(f"/portfolio/attachments/{attachment.pk}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Nothing has been lost" in response.content.decode()

    upload = SimpleUploadedFile("second.jpg", photo(), content_type="image/jpeg")
    response = client.post(
        f"/portfolio/evidence/{attachment.revision.evidence_id}/attachments/", {"file": upload}
    )
    assert response.status_code == 503
    assert Attachment.objects.count() == 1


# --- Exports ---------------------------------------------------------------------------------


def test_an_export_embeds_an_image_read_from_the_bucket_and_is_stored_there(  # type: ignore[no-untyped-def]
    client, practitioner, s3
) -> None:
    server, bucket = s3
    attachment = attach(practitioner)
    export = render_export(practitioner)

    assert export.status == "done", export.error
    assert server.keys(bucket, "exports/") == [export.file.name]
    client.force_login(practitioner)
    response = client.get(f"/portfolio/exports/{export.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = pypdf.PdfReader(io.BytesIO(body))
    assert {(i.image.width, i.image.height) for p in reader.pages for i in p.images} == {(640, 480)}
    assert attachment.sha256 in "".join(page.extract_text() for page in reader.pages).replace(
        "\n", ""
    )


def test_a_missing_attachment_fails_the_export_loudly(practitioner, store, caplog) -> None:  # type: ignore[no-untyped-def]
    attachment = attach(practitioner, name="home visit poster.jpg")
    store(attachment.file.name)

    with caplog.at_level(logging.ERROR, logger="portfolios.exports.worker"):
        export = render_export(practitioner)

    assert export.status == "failed"
    assert "“home visit poster.jpg” could not be read from the file store" in export.error
    assert not export.file
    assert [e.to_status for e in export.events.order_by("pk")] == ["pending", "running", "failed"]
    assert "attachments missing from the file store" in caplog.text
    folder = f"exports/{practitioner.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder)[1] == []


def test_a_store_that_does_not_answer_mid_render_is_retried_not_printed_without_images(  # type: ignore[no-untyped-def]
    practitioner, settings, s3
) -> None:
    attach(practitioner)
    export, _ = exports.export_request(
        user=practitioner, options=ExportOptions(kind="portfolio", level=2)
    )
    broken = private_files_storage(
        {**s3[0].environment(s3[1]), "S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    settings.STORAGES = {**settings.STORAGES, "default": broken}
    with pytest.raises(worker.TransientExportError, match="storage"):
        worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.file.name) == ("running", "")

    # The store is back; the retry (after the task hands the start back) makes the PDF.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private_files_storage(s3[0].environment(s3[1])),
    }
    worker.export_interrupted(export_id=export.pk)
    worker.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "done", export.error


# --- Leaving: the data download reads the bucket, closing the account empties it -------------


def test_the_data_download_carries_files_from_the_bucket(client, practitioner, s3) -> None:  # type: ignore[no-untyped-def]
    content = photo((200, 40, 40))
    attachment = attach(practitioner, content=content)
    client.force_login(practitioner)
    response = client.get("/portfolio/my-data/download.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    stored = [name for name in archive.namelist() if name.endswith(attachment.filename)]
    assert len(stored) == 1
    assert archive.read(stored[0]) == content


def test_closing_the_account_removes_its_objects(  # type: ignore[no-untyped-def]
    practitioner, other_practitioner, s3, django_capture_on_commit_callbacks
) -> None:
    server, bucket = s3
    attach(practitioner)
    kept = attach(other_practitioner)
    export = render_export(practitioner)
    assert export.status == "done"
    assert len(server.keys(bucket)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=practitioner, by=None)

    assert server.keys(bucket) == [kept.file.name]


def test_files_the_store_could_not_remove_at_closure_are_removed_when_it_is_back(  # type: ignore[no-untyped-def]
    practitioner, settings, s3, django_capture_on_commit_callbacks
) -> None:
    from imhcpd.models import FileRemoval
    from imhcpd.tasks import retry_file_removals

    server, bucket = s3
    working = settings.STORAGES
    attach(practitioner)
    attach(practitioner, name="second.jpg")
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        account_erase(user=practitioner, by=None)
    # The store goes away between the commit and the removal.
    broken = private_files_storage(
        {**server.environment(bucket), "S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    settings.STORAGES = {**working, "default": broken}
    for callback in after_commit:
        callback()
    assert len(server.keys(bucket)) == 2
    assert (
        list(FileRemoval.objects.values_list("reason", "attempts")) == [("account closed", 1)] * 2
    )

    settings.STORAGES = working
    assert retry_file_removals.apply().get() == 2
    assert server.keys(bucket) == []
    assert not FileRemoval.objects.exists()
