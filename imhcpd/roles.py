"""Who may do what, decided in one place for the whole site.

Roles are relationships where possible (a supervisor is someone with an active
supervision); the only global role is membership of the register administrators group.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from imhcpd.models import User

REGISTER_ADMINS_GROUP = "Register administrators"


def is_register_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_register_admin", None)
    if cached is None:
        cached = user.groups.filter(name=REGISTER_ADMINS_GROUP).exists()
        user._is_register_admin = cached
    return cached


def has_role(user: User | AnonymousUser, role: str) -> bool:
    """The global roles by name, as settings.MFA_REQUIRED_PATHS names them. Both must use
    two-factor authentication."""
    if role == "staff":
        return bool(user.is_authenticated and user.is_staff)
    if role == "register_admin":
        return is_register_admin(user)
    raise ValueError(f"unknown role {role!r}")


def session_used_mfa(request: HttpRequest) -> bool:
    """Did THIS session prove a second factor (at sign-in, on re-authentication or by setting
    one up)? Having MFA enabled is not enough: a session that only gave a password (a stolen
    password, a login path that skipped the code) must not open what MFA protects.

    allauth keeps a log of the methods used in the session, tied to the user it was for.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))


def register_admin_annotation() -> Any:
    """True when the annotated user is in the register administrators group (one subquery)."""
    return Exists(
        User.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name=REGISTER_ADMINS_GROUP
        )
    )
