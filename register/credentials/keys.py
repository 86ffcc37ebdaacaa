"""The signing keys: a private JWK set in a file outside the database.

The first key in the file signs new credentials; every key in the file is published in the
JWKS, so a credential signed before a rotation still verifies. Retiring a key (taking it out
of the file) makes what it signed unverifiable, which is why rotation only ever adds.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path

from django.conf import settings
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"
KEY_BITS = 2048


class SigningKeyMissing(Exception):
    """No signing key is configured: credentials wait, unsigned, until one is."""


def _path() -> Path:
    return Path(settings.CREDENTIAL_SIGNING_KEYS)


def _new_key() -> RSAKey:
    kid = dt.datetime.now(dt.UTC).strftime("imhcpd-%Y%m%d%H%M%S")
    key = RSAKey.generate_key(KEY_BITS, parameters={"use": "sig", "alg": ALGORITHM}, private=True)
    # Dated and thumbprinted: sortable by eye, and unique even for two rotations in a second.
    return RSAKey.import_key({**key.as_dict(private=True), "kid": f"{kid}-{key.thumbprint()[:8]}"})


def _write(path: Path, keys: list[RSAKey]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"keys": [k.as_dict(private=True) for k in keys]}, indent=2)
    temporary = path.with_suffix(".tmp")
    # Private key material: readable by the service's own user only.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(body)
    os.replace(temporary, path)


def _read(path: Path) -> list[RSAKey]:
    data = json.loads(path.read_text())
    return [RSAKey.import_key(item) for item in data["keys"]]


def private_keys() -> list[RSAKey]:
    """The keys in the file, the signing key first. Made on first use where allowed."""
    path = _path()
    if not path.exists():
        if not settings.CREDENTIAL_KEYS_AUTOCREATE:
            raise SigningKeyMissing(f"No credential signing key at {path}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes starting together must not each make a key: the loser reads the
        # winner's file.
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                _write(path, [_new_key()])
    return _read(path)


def signing_key() -> RSAKey:
    return private_keys()[0]


def public_key_set() -> KeySet:
    return KeySet([RSAKey.import_key(k.as_dict(private=False)) for k in private_keys()])


def public_jwks() -> dict[str, object]:
    return {"keys": [k.as_dict(private=False) for k in private_keys()]}


def rotate() -> RSAKey:
    """A new signing key in front of the old ones; the old ones stay published."""
    path = _path()
    existing = _read(path) if path.exists() else []
    key = _new_key()
    _write(path, [key, *existing])
    return key


def retire(kid: str) -> None:
    keys = _read(_path())
    remaining = [k for k in keys if k.kid != kid]
    if len(remaining) == len(keys):
        raise KeyError(kid)
    if not remaining:
        raise ValueError("The last key cannot be retired; rotate first.")
    if keys[0].kid == kid:
        raise ValueError("The signing key cannot be retired; rotate first.")
    _write(_path(), remaining)
