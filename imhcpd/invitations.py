"""Who an invitation link was sent to, kept in the session of the person who opened it signed
out, so that "Create an account" starts with that name and address filled in.

The invitation views call `remember_invitee`; the sign-up form reads `invitee_for`. Only the
session of whoever holds the link sees it, and the person can still change either field.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

SESSION_KEY = "imhcpd_invitee"


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str


def remember_invitee(request: HttpRequest, email: str, name: str = "") -> None:
    request.session[SESSION_KEY] = {"email": email, "name": name}


def invitee_for(request: HttpRequest | None) -> Invitee | None:
    session = getattr(request, "session", None)
    found = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(found, dict) or not found.get("email"):
        return None
    return Invitee(email=str(found["email"]), name=str(found.get("name") or ""))


def forget_invitee(request: HttpRequest) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)
