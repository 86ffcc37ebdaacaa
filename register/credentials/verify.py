"""Checking a credential someone hands us: a VC-JWT (pasted, or baked into a PNG), or the
credential's JSON. The answer is for a person, in words: genuine or not, whose entry, which
level, in date or not, revoked or not."""

from __future__ import annotations

import binascii
import dataclasses
import datetime as dt
import json
import uuid
from typing import Any

from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError

from register.credentials import badge, documents, keys
from register.credentials.models import Credential
from register.credentials.services import jwt_claims
from register.models import RegisterEntry

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ENVELOPE_PREFIX = "data:application/vc+jwt,"


class Unreadable(ValueError):
    """What was given is not a credential at all (as opposed to a credential that fails)."""


@dataclasses.dataclass
class Verification:
    genuine: bool
    problems: list[str]
    form: str
    credential: Credential | None = None
    entry: RegisterEntry | None = None
    level: int | None = None
    name: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def in_date(self) -> bool:
        today = timezone.localdate()
        return bool(self.valid_from and self.valid_until) and (
            self.valid_from <= today <= self.valid_until  # type: ignore[operator]
        )

    @property
    def form_words(self) -> str:
        return {
            "jwt": "Signature checked against our published key",
            "png": "Signature of the credential baked into the image checked against our key",
            "json": "Compared with the credential we issued (the JWT carries the signature)",
        }[self.form]

    @property
    def revoked(self) -> bool:
        return bool(self.credential and self.credential.revoked_at)

    @property
    def good(self) -> bool:
        """Genuine, in date and not revoked: what a reader can rely on today."""
        return self.genuine and self.in_date and not self.revoked


def _failed(form: str, problem: str) -> Verification:
    return Verification(genuine=False, problems=[problem], form=form)


def _known(result: Verification, credential: Credential) -> Verification:
    result.credential = credential
    result.entry = credential.entry
    result.level = credential.level
    result.name = credential.entry.name
    result.valid_from = credential.valid_from
    result.valid_until = credential.valid_until
    return result


def _find(identifier: object) -> Credential | None:
    if not isinstance(identifier, str) or not identifier.startswith("urn:uuid:"):
        return None
    try:
        jti = uuid.UUID(identifier.removeprefix("urn:uuid:"))
    except ValueError:
        return None
    return Credential.objects.select_related("entry").filter(jti=jti).first()


def verify_jwt(token: str, form: str = "jwt") -> Verification:
    try:
        decoded = jwt.decode(token, keys.public_key_set(), algorithms=[keys.ALGORITHM])
    except (JoseError, ValueError, binascii.Error, UnicodeDecodeError):
        return _failed(
            form,
            "The signature does not match: this credential was not issued by us, or it has "
            "been changed since.",
        )
    claims: dict[str, Any] = dict(decoded.claims)
    try:
        expected = jwt_claims(claims)
    except (KeyError, TypeError, ValueError):
        return _failed(form, "The credential is signed but incomplete.")
    problems = [
        f"The {name} claim does not match the credential."
        for name, value in expected.items()
        if claims.get(name) != value
    ]
    if expected["iss"] != documents.issuer_id():
        problems.append("The credential names a different issuer.")
    if "OpenBadgeCredential" not in claims.get("type", []):
        problems.append("This is not an Open Badges credential.")
    credential = _find(claims.get("id"))
    if credential is None:
        problems.append("We have no record of this credential.")
        return Verification(genuine=False, problems=problems, form=form)
    body = {k: v for k, v in claims.items() if k not in expected}
    if credential.document and body != credential.document:
        problems.append("The credential differs from the one we issued.")
    return _known(Verification(genuine=not problems, problems=problems, form=form), credential)


def verify_json(document: dict[str, Any]) -> Verification:
    if document.get("type") == "EnvelopedVerifiableCredential":
        token = str(document.get("id", ""))
        if not token.startswith(ENVELOPE_PREFIX):
            raise Unreadable("The envelope does not hold a VC-JWT.")
        return verify_jwt(token.removeprefix(ENVELOPE_PREFIX), "json")
    if "OpenBadgeCredential" not in (document.get("type") or []):
        raise Unreadable("This JSON is not an Open Badges credential.")
    credential = _find(document.get("id"))
    if credential is None:
        return _failed("json", "We have no record of this credential.")
    if not credential.document or document != credential.document:
        return _known(_failed("json", "The credential differs from the one we issued."), credential)
    return _known(Verification(genuine=True, problems=[], form="json"), credential)


def verify_text(text: str) -> Verification:
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise Unreadable("The JSON could not be read.") from exc
        if not isinstance(document, dict):
            raise Unreadable("The JSON is not a credential.")
        return verify_json(document)
    # A compact JWS: three base64url parts. Anything else is not a credential.
    if text.count(".") != 2 or any(c.isspace() for c in text):
        raise Unreadable("This is not a credential: paste the JWT or the JSON you downloaded.")
    return verify_jwt(text)


def verify_bytes(data: bytes) -> Verification:
    if data.startswith(PNG_SIGNATURE):
        try:
            token = badge.unbake(data)
        except Exception as exc:
            raise Unreadable("The image could not be read.") from exc
        if not token:
            raise Unreadable("This image has no credential baked into it.")
        result = verify_text(token)
        result.form = "png"
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable("Choose a credential file: a .jwt, .json or baked .png.") from exc
    return verify_text(text)
