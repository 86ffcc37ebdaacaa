"""Who may do what, decided in one place for the whole site.

Roles are relationships where possible (a supervisor is someone with an active
supervision); the only global role is membership of the register administrators group.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

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


@dataclass(frozen=True)
class Navigation:
    signed_in: bool
    practitioner: bool
    register_admin: bool
    staff: bool
    supervisor: bool = False
    unread: int = 0


def navigation_for(user: User | AnonymousUser) -> Navigation:
    if not user.is_authenticated:
        return Navigation(signed_in=False, practitioner=False, register_admin=False, staff=False)
    from django.db.models import Count, Exists, OuterRef, Q

    from portfolios.models import Portfolio, Supervision

    # Everything the navigation needs in one query, so it costs every page only one.
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            admin=Exists(
                User.groups.through.objects.filter(
                    user_id=OuterRef("pk"), group__name=REGISTER_ADMINS_GROUP
                )
            ),
            supervising=Exists(
                Supervision.objects.filter(
                    supervisor_id=OuterRef("pk"), status=Supervision.Status.ACTIVE
                )
            ),
            has_portfolio=Exists(Portfolio.objects.filter(user_id=OuterRef("pk"))),
            unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
        )
        .values("admin", "supervising", "has_portfolio", "unread")
        .first()
    ) or {"admin": False, "supervising": False, "has_portfolio": False, "unread": 0}
    user._is_register_admin = flags["admin"]
    return Navigation(
        signed_in=True,
        # A supervisor or administrator without a portfolio of their own is not shown the
        # practitioner's pages (each would only send them to set one up); anyone else is.
        practitioner=flags["has_portfolio"] or not (flags["supervising"] or flags["admin"]),
        register_admin=flags["admin"],
        staff=user.is_staff,
        supervisor=flags["supervising"],
        unread=flags["unread"],
    )
