"""Exports and verify uploads are bounded per person and per address (issue 11, finding 10),
and the progress fragment and its page are told apart by caches (finding 15)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.exports.models import PortfolioExport
from tests.factories import make_export

pytestmark = pytest.mark.django_db
EXPORTS_URL = "/portfolio/exports/"


def test_a_person_has_a_few_pdfs_in_the_making_at_once(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    assert settings.EXPORT_MAX_ACTIVE_PER_USER == 2
    for level in (1, 2):
        make_export(practitioner, level=level, done=False)  # queued, not yet rendered
    client.force_login(practitioner)

    response = client.post(EXPORTS_URL, {"kind": "portfolio", "level": "3"})

    assert response.status_code == 429
    assert "You already have 2 PDFs being made. When one is ready, ask again." in (
        response.content.decode()
    )
    assert PortfolioExport.objects.count() == 2
    # Once one is done there is room again.
    PortfolioExport.objects.filter(level=1).update(status=PortfolioExport.Status.DONE)
    assert client.post(EXPORTS_URL, {"kind": "portfolio", "level": "3"}).status_code == 302


def test_export_requests_are_a_quota_per_hour(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    assert settings.QUOTAS["export_request"] == "10/h/user"
    settings.QUOTAS = {**settings.QUOTAS, "export_request": "2/h/user"}
    settings.EXPORT_MAX_ACTIVE_PER_USER = 10
    client.force_login(practitioner)
    for level in ("1", "2"):
        assert client.post(EXPORTS_URL, {"kind": "portfolio", "level": level}).status_code == 302

    refused = client.post(EXPORTS_URL, {"kind": "portfolio", "level": "3"})

    assert refused.status_code == 429
    assert "as many PDFs as we allow in an hour" in refused.content.decode()
    assert PortfolioExport.objects.count() == 2


def test_anonymous_verify_uploads_are_a_quota_per_address(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    assert settings.QUOTAS["verify_upload"] == "60/h/ip"
    settings.QUOTAS = {**settings.QUOTAS, "verify_upload": "2/h/ip"}
    export = make_export(practitioner)

    def upload(url: str, ip: str):  # type: ignore[no-untyped-def]
        pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.7\nnot ours\n")
        return client.post(url, {"file": pdf}, REMOTE_ADDR=ip)

    assert upload("/verify/", "203.0.113.7").status_code == 404
    assert upload(f"/verify/{export.code}/", "203.0.113.7").status_code == 409
    refused = upload("/verify/", "203.0.113.7")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many files have been checked from your network" in refused.content.decode()
    assert upload("/verify/", "198.51.100.1").status_code == 404  # another address
    # Looking a code up is not an upload.
    assert client.get(f"/verify/{export.code}/", REMOTE_ADDR="203.0.113.7").status_code == 200


def _vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def test_the_progress_fragment_and_its_page_vary_on_hx_request(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    export = make_export(practitioner, done=False)
    client.force_login(practitioner)
    url = f"/portfolio/exports/{export.pk}/"

    fragment = client.get(url, HTTP_HX_REQUEST="true")
    page = client.get(url)

    assert "<html" not in fragment.content.decode() and "<html" in page.content.decode()
    assert "hx-request" in _vary(fragment)
    assert "hx-request" in _vary(page)


def test_the_domain_assessment_varies_on_hx_request(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    assert "hx-request" in _vary(client.get("/portfolio/assess/2/"))


def test_a_page_that_ignores_htmx_does_not_vary_on_it(client, framework) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/framework/")
    assert response.status_code == 200
    assert "hx-request" not in _vary(response)
