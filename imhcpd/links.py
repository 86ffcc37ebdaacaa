"""Links sent by email: absolute URLs, and the digests under which their tokens are stored."""

from __future__ import annotations

import hashlib

from django.conf import settings


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def token_digest(token: str) -> str:
    # Only the digest is stored: a database leak does not hand out working links.
    return hashlib.sha256(token.encode()).hexdigest()
