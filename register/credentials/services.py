"""Issuing, signing and revoking credentials. Called inside the register's own transactions
(approval, renewal, removal, lapse, account closure), so each leaves its audit row with them."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt

from competencies.models import Framework
from imhcpd.models import User
from register.credentials import documents, keys
from register.credentials.models import Credential, CredentialEvent
from register.models import RegisterEntry


def _timestamp(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def jwt_claims(document: dict) -> dict:
    """The registered claims an Open Badges 3.0 VC-JWT carries beside the credential's own
    members (OB 3.0 §8.2: the payload is the credential, no `vc` wrapper)."""
    return {
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "nbf": _timestamp(document["validFrom"]),
        "exp": _timestamp(document["validUntil"]),
    }


def _framework(entry: RegisterEntry) -> Framework:
    if entry.application_id and entry.application.portfolio_id:
        return entry.application.portfolio.framework
    return Framework.objects.get(is_active=True)


def credential_issue(*, entry: RegisterEntry, reason: str, by: User | None) -> Credential:
    """A new credential for the entry as it now stands (approval or renewal)."""
    framework = _framework(entry)
    now = timezone.now()
    for _ in range(20):
        credential = Credential(
            entry=entry,
            reason=reason,
            level=entry.level,
            valid_from=entry.valid_from,
            valid_until=entry.valid_to,
            status_index=secrets.randbelow(documents.STATUS_LIST_BITS),
            issued_at=now,
        )
        credential.document = documents.credential_document(
            jti=str(credential.jti),
            framework=framework,
            level=entry.level,
            name=entry.name,
            number=entry.number,
            email=entry.user.email if entry.user else "",
            valid_from=entry.valid_from,
            valid_until=entry.valid_to,
            status_index=credential.status_index,
            awarded=now,
        )
        try:
            # A savepoint: a clash on the random index must not spoil the caller's transaction.
            with transaction.atomic():
                credential.save()
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - 20 clashes in a list of 131,072 bits
        raise RuntimeError("No free status list index.")
    CredentialEvent.objects.create(
        credential=credential,
        actor=by,
        to_status="issued",
        detail=f"{reason}: Level {entry.level}, valid until {entry.valid_to}",
    )
    return credential


def _sign(payload: dict) -> tuple[str, str]:
    key = keys.signing_key()
    header = {"alg": keys.ALGORITHM, "typ": "JWT", "kid": key.kid}
    return jwt.encode(header, payload, key), str(key.kid)


def credential_jwt(credential: Credential) -> str:
    """The compact VC-JWT, signed the first time it is asked for and kept from then on.
    Raises keys.SigningKeyMissing when no key is configured: nothing is lost, it waits."""
    if credential.jwt:
        return credential.jwt
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if not locked.jwt:
            if not locked.document:
                raise ValueError("This credential's content was erased.")
            locked.jwt, locked.kid = _sign({**locked.document, **jwt_claims(locked.document)})
            locked.save(update_fields=["jwt", "kid"])
    credential.jwt, credential.kid = locked.jwt, locked.kid
    return credential.jwt


def credentials_revoke(*, entry: RegisterEntry, by: User | None, reason: str) -> int:
    """Revoke every credential of the entry still standing: its bit goes up in the status
    list the next time anyone reads it."""
    now = timezone.now()
    revoked = 0
    for credential in entry.credentials.select_for_update().filter(revoked_at=None):
        Credential.objects.filter(pk=credential.pk).update(
            revoked_at=now, revoked_reason=reason[:200]
        )
        CredentialEvent.objects.create(
            credential=credential,
            actor=by,
            from_status="issued",
            to_status="revoked",
            detail=reason,
        )
        revoked += 1
    return revoked


def status_list_jwt(number: int) -> str:
    if number != documents.STATUS_LIST:
        raise LookupError(number)
    now = timezone.now().replace(microsecond=0)
    revoked = list(
        Credential.objects.exclude(revoked_at=None).values_list("status_index", flat=True)
    )
    document = documents.status_list_document(revoked, now)
    payload = {
        **document,
        "iss": document["issuer"],
        "jti": document["id"],
        "nbf": int(now.timestamp()),
        "exp": _timestamp(document["validUntil"]),
    }
    return _sign(payload)[0]
