"""Open Badges 3.0 credentials: issued by the approve service, checked here the way an
outside verifier would (PyJWT, not the joserfc the site signs with, from the public JWKS and
status list alone), revoked on removal, lapse and account closure, rotated keys."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from typing import Any

import jwt as pyjwt
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openbadgeslib.ob3.contexts import load_context

from imhcpd.erasure import account_erase
from imhcpd.models import User
from register import services
from register.credentials import badge, documents, keys
from register.credentials.models import Credential, CredentialEvent
from register.credentials.services import credential_jwt
from register.models import Application, RegisterEntry
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def own_keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.CREDENTIAL_SIGNING_KEYS = tmp_path / "keys.json"
    settings.CREDENTIAL_KEYS_AUTOCREATE = True
    return settings.CREDENTIAL_SIGNING_KEYS


@pytest.fixture
def entry(submitted: Application, register_admin: User) -> RegisterEntry:
    return services.application_approve(application=submitted, admin=register_admin)


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000").split("#")[0]


def _download(client: Client, user: User, credential: Credential, fmt: str) -> bytes:
    client.force_login(user)
    response = client.get(reverse("register:credential_download", args=[credential.jti, fmt]))
    assert response.status_code == 200
    client.logout()
    return response.content


def _independent_verify(client: Client, token: str) -> dict[str, Any]:
    """What any verifier can do with nothing but our public URLs."""
    jwks = client.get(reverse("register:credential_jwks")).json()
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    key = pyjwt.PyJWK(jwk).key
    claims = pyjwt.decode(
        token,
        key,
        algorithms=["RS256"],
        options={"require": ["iss", "jti", "nbf", "exp"], "verify_aud": False},
    )
    issuer = claims["issuer"]
    assert claims["iss"] == (issuer if isinstance(issuer, str) else issuer["id"])
    assert claims["jti"] == claims["id"]

    def stamp(value: str) -> int:
        return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())

    assert claims["nbf"] == stamp(claims["validFrom"])
    assert claims["exp"] == stamp(claims["validUntil"])
    return claims


def _status_bit(client: Client, status: dict[str, Any]) -> int:
    response = client.get(_path(status["statusListCredential"]))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    token = response.content.decode()
    listed = _independent_verify(client, token)
    assert listed["id"] == status["statusListCredential"]
    assert "BitstringStatusListCredential" in listed["type"]
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= 131072
    index = int(status["statusListIndex"])
    return (raw[index // 8] >> (7 - index % 8)) & 1


# --- Issued by the approve service, verified from the public JWKS alone -------------------------


def test_approval_issues_a_credential_an_outsider_can_verify_and_removal_revokes(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User, register_admin: User
) -> None:
    (credential,) = entry.credentials.all()
    assert CredentialEvent.objects.filter(credential=credential, to_status="issued").count() == 1
    token = _download(client, practitioner, credential, "jwt").decode()

    claims = _independent_verify(client, token)
    assert claims["id"] == f"urn:uuid:{credential.jti}"
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["validFrom"] == f"{entry.valid_from}T00:00:00Z"
    assert claims["validUntil"] == f"{entry.valid_to}T23:59:59Z"
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["name"].startswith("IMH Recognition Register — Level 2")
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert _status_bit(client, status) == 0

    services.entry_remove(entry=entry, admin=register_admin, reason="Finding.")
    assert _status_bit(client, status) == 1
    assert CredentialEvent.objects.filter(credential=credential, to_status="revoked").count() == 1

    # One changed character in the signed payload: the signature no longer holds.
    head, body, signature = token.split(".")
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    with pytest.raises(pyjwt.InvalidTokenError):
        _independent_verify(client, f"{head}.{flipped}.{signature}")


def test_the_credential_says_who_what_and_against_which_framework(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User
) -> None:
    credential = entry.credentials.get()
    document = json.loads(_download(client, practitioner, credential, "json"))
    assert document == credential.document
    assert document["@context"] == documents.CONTEXTS
    for url in document["@context"]:
        assert load_context(url)["@context"]  # shipped with the app: nothing is fetched
    identifiers = {i["identityType"]: i for i in document["credentialSubject"]["identifier"]}
    email = identifiers["emailAddress"]
    assert email["hashed"] is True
    assert practitioner.email not in json.dumps(document)
    expected = hashlib.sha256((practitioner.email + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    assert identifiers["name"]["identityHash"] == entry.name
    assert identifiers["identifier"]["identityHash"] == entry.number

    issuer = client.get(_path(document["issuer"]["id"]))
    assert issuer.status_code == 200 and issuer["Access-Control-Allow-Origin"] == "*"
    assert issuer.json()["id"] == document["issuer"]["id"]
    achievement = document["credentialSubject"]["achievement"]
    published = client.get(_path(achievement["id"])).json()
    assert published["alignment"] == achievement["alignment"]
    alignments = achievement["alignment"]
    assert sum(a["targetType"] == "CFItem" for a in alignments) == 7
    levels = [a for a in alignments if a["targetType"] == "CFRubricCriterionLevel"]
    assert len(levels) == 63 and all("Level 2" in a["targetName"] for a in levels)
    # Each alignment points at a live CASE endpoint; the rubric level is its fragment.
    for target in {_path(a["targetUrl"]) for a in alignments[:8] + levels[:1]}:
        assert client.get(target).status_code == 200, target
    rubric = client.get(_path(levels[0]["targetUrl"])).json()
    fragment = levels[0]["targetUrl"].split("#")[1]
    level_ids = {
        lvl["identifier"]
        for criterion in rubric["CFRubricCriteria"]
        for lvl in criterion["CFRubricCriterionLevels"]
    }
    assert fragment in level_ids
    image = client.get(_path(achievement["image"]["id"]))
    assert image["Content-Type"] == "image/png"


def test_renewal_issues_a_new_credential_and_the_old_one_stands(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User, monkeypatch
) -> None:
    first = entry.credentials.get()
    monkeypatch.setattr(
        "register.services.entries.renewal_check",
        lambda e, today: type("Met", (), {"met": True, "cpd_hours": 20, "supervision_hours": 12})(),
    )
    with time_machine.travel(entry.valid_to - dt.timedelta(days=10)):
        services.entry_renew(entry=entry, by=practitioner, keys=list(services.RENEWAL_DECLARATIONS))
    entry.refresh_from_db()
    second = entry.credentials.exclude(pk=first.pk).get()
    assert second.reason == Credential.Reason.RENEWED
    assert second.valid_until == entry.valid_to > first.valid_until
    assert second.status_index != first.status_index
    first.refresh_from_db()
    assert first.revoked_at is None


def test_lapse_revokes(entry: RegisterEntry, commit) -> None:  # type: ignore[no-untyped-def]
    from register import tasks

    with time_machine.travel(entry.valid_to + dt.timedelta(days=40)), commit():
        assert tasks.renewal_reminders_and_lapses()["lapsed"] == 1
    credential = entry.credentials.get()
    assert credential.revoked_at and credential.revoked_reason.startswith("lapsed")


def test_closing_the_account_revokes_and_erases_the_content(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User
) -> None:
    credential = entry.credentials.get()
    token = credential_jwt(credential)
    account_erase(user=practitioner, by=practitioner)
    credential.refresh_from_db()
    assert credential.revoked_at and credential.document == {} and credential.jwt == ""
    page = client.post(reverse("register:credential_verify"), {"credential": token})
    html = page.content.decode()
    assert "Genuine, but revoked" in html
    assert "Removed — account closed" in html and entry.name not in html


# --- The verify page -------------------------------------------------------------------------


def _verify(client: Client, **data: Any) -> tuple[int, str]:
    response = client.post(reverse("register:credential_verify"), data)
    return response.status_code, response.content.decode()


def test_verify_page_reads_jwt_json_and_baked_png(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User
) -> None:
    credential = entry.credentials.get()
    token = _download(client, practitioner, credential, "jwt").decode()
    document = _download(client, practitioner, credential, "json").decode()
    png = _download(client, practitioner, credential, "png")
    assert badge.unbake(png) == token
    for data in (
        {"credential": token},
        {"credential": document},
        {"upload": SimpleUploadedFile("badge.png", png, "image/png")},
        {"upload": SimpleUploadedFile("c.jwt", token.encode(), "application/octet-stream")},
    ):
        status, html = _verify(client, **data)
        assert status == 200, data
        assert "Genuine credential" in html
        assert f"Level 2, valid until {entry.valid_to:%-d %B %Y}" in html
        assert entry.number in html


def test_verify_page_says_what_is_wrong(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User, register_admin: User
) -> None:
    credential = entry.credentials.get()
    token = credential_jwt(credential)
    head, body, signature = token.split(".")
    status, html = _verify(client, credential=f"{head}.{body[:-3]}xyz.{signature}")
    assert status == 200 and "Not a genuine credential" in html

    altered = dict(credential.document, validUntil="2099-01-01T23:59:59Z")
    status, html = _verify(client, credential=json.dumps(altered))
    assert "Not a genuine credential" in html and "differs from the one we issued" in html

    for data, message in (
        ({}, "Paste a credential or choose a credential file"),
        ({"credential": "hello there"}, "This is not a credential"),
        ({"credential": "{not json"}, "The JSON could not be read"),
        ({"credential": '{"type": "Nope"}'}, "not an Open Badges credential"),
        ({"upload": SimpleUploadedFile("x.png", badge.badge_png(2))}, "no credential baked"),
        ({"upload": SimpleUploadedFile("x.bin", b"\xff\xfe\x00")}, "Choose a credential file"),
    ):
        status, html = _verify(client, **data)
        assert status == 400 and message in html, data

    with time_machine.travel(entry.valid_to + dt.timedelta(days=2)):
        status, html = _verify(client, credential=token)
    assert "Genuine, but out of date" in html

    services.entry_remove(entry=entry, admin=register_admin, reason="Finding.")
    status, html = _verify(client, credential=token)
    assert "Genuine, but revoked" in html


def test_a_credential_signed_by_another_key_is_not_genuine(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, own_keys, tmp_path, settings
) -> None:
    credential = entry.credentials.get()
    settings.CREDENTIAL_SIGNING_KEYS = tmp_path / "impostor.json"
    forged = credential_jwt(credential)
    settings.CREDENTIAL_SIGNING_KEYS = own_keys
    status, html = _verify(client, credential=forged)
    assert status == 200 and "Not a genuine credential" in html


# --- Keys --------------------------------------------------------------------------------------


def test_rotation_keeps_old_credentials_verifiable(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User, submitted: Application
) -> None:
    old = credential_jwt(entry.credentials.get())
    old_kid = pyjwt.get_unverified_header(old)["kid"]
    new_key = keys.rotate()
    assert [k["kid"] for k in client.get(reverse("register:credential_jwks")).json()["keys"]] == [
        new_key.kid,
        old_kid,
    ]
    assert "Genuine credential" in _verify(client, credential=old)[1]
    with pytest.raises(ValueError, match="signing key"):
        keys.retire(new_key.kid)
    keys.retire(old_kid)
    assert "Not a genuine credential" in _verify(client, credential=old)[1]


def test_the_key_file_is_private_and_not_in_the_database(own_keys, entry) -> None:  # type: ignore[no-untyped-def]
    credential_jwt(entry.credentials.get())
    assert own_keys.stat().st_mode & 0o077 == 0
    assert '"d"' not in json.dumps(entry.credentials.get().document)


def test_without_a_key_the_credential_waits(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User, settings, tmp_path
) -> None:
    settings.CREDENTIAL_SIGNING_KEYS = tmp_path / "absent.json"
    settings.CREDENTIAL_KEYS_AUTOCREATE = False
    credential = entry.credentials.get()
    client.force_login(practitioner)
    url = reverse("register:credential_download", args=[credential.jti, "jwt"])
    assert client.get(url).status_code == 503
    settings.CREDENTIAL_KEYS_AUTOCREATE = True
    assert client.get(url).status_code == 200


# --- Who sees what -----------------------------------------------------------------------------


def test_only_the_holder_downloads(client: Client, entry: RegisterEntry) -> None:  # type: ignore[no-untyped-def]
    credential = entry.credentials.get()
    url = reverse("register:credential_download", args=[credential.jti, "json"])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    unknown = reverse("register:credential_download", args=[credential.jti, "exe"])
    assert client.get(unknown).status_code == 404


def test_register_page_offers_the_downloads(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User
) -> None:
    client.force_login(practitioner)
    html = client.get(reverse("register:apply")).content.decode()
    credential = entry.credentials.get()
    for fmt in ("png", "jwt", "json"):
        assert reverse("register:credential_download", args=[credential.jti, fmt]) in html


def test_status_list_of_another_number_is_404(client: Client, db: None) -> None:
    assert client.get(reverse("register:credential_status", args=[2])).status_code == 404
    assert client.get(reverse("register:credential_badge", args=[9])).status_code == 404


def test_the_data_download_lists_the_credentials(  # type: ignore[no-untyped-def]
    client: Client, entry: RegisterEntry, practitioner: User
) -> None:
    from portfolios.personal_data import personal_data

    data = personal_data(practitioner)
    (listed,) = data["register"]["credentials"]  # type: ignore[index]
    assert listed["id"] == entry.credentials.get().urn
