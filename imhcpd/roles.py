"""Who may do what, decided in one place for the whole site.

Roles are relationships where possible (a supervisor is someone with an active
supervision); the only global role is membership of the register administrators group.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef

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


def requires_mfa(user: User | AnonymousUser) -> bool:
    """Staff and register administrators must use two-factor authentication."""
    return bool(user.is_authenticated and (user.is_staff or is_register_admin(user)))


def register_admin_annotation() -> Any:
    """True when the annotated user is in the register administrators group (one subquery)."""
    return Exists(
        User.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name=REGISTER_ADMINS_GROUP
        )
    )
