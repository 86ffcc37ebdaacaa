"""Teams' part of closing an account (see imhcpd.erasure), and of the data download.

Each current membership ends as leaving does (left_at, sharing stopped, a TeamEvent that
names the person as they were); the membership rows then go with the account (CASCADE) while
the events stay with the service. A service the person led alone is deleted with its rows:
nobody else could see or run it. One with another lead stays with them. Invitations the person
sent that are still waiting are withdrawn: the link would bring someone into a service on the
word of an account that no longer exists (a co-lead can invite them again).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from imhcpd.erasure import Erasure, frozen_name
from imhcpd.models import User
from portfolios.teams.models import Membership, Service, TeamEvent, TeamInvitation


def erase(erasure: Erasure) -> None:
    user = erasure.user
    name = frozen_name(user)
    now = timezone.now()

    current = list(Membership.objects.filter(user=user, left_at=None).select_related("service"))
    alone = [
        m.service_id
        for m in current
        if m.is_lead
        and not m.service.memberships.filter(is_lead=True, left_at=None).exclude(user=user).exists()
    ]
    Service.objects.filter(pk__in=alone).delete()
    erasure.count("services led alone, deleted", len(alone))

    waiting = TeamInvitation.objects.filter(invited_by=user, status=TeamInvitation.Status.PENDING)
    for invitation in waiting.select_related("service"):
        TeamEvent.objects.create(
            service=invitation.service,
            actor=user,
            actor_name=name,
            from_status=invitation.status,
            to_status="withdrawn",
            detail=f"invitation to {invitation.email} withdrawn: {name} closed their account",
        )
    erasure.count(
        "invitations sent, withdrawn",
        waiting.update(status=TeamInvitation.Status.WITHDRAWN, decided_at=now),
    )

    ended = 0
    for membership in current:
        if membership.service_id in alone:
            continue
        Membership.objects.filter(pk=membership.pk).update(left_at=now, shares_summary=False)
        TeamEvent.objects.create(
            service=membership.service,
            membership=membership,
            actor=user,
            actor_name=name,
            to_status="left",
            detail=f"{name} left the service: account closed",
        )
        ended += 1
    erasure.count("team memberships ended", ended)


def export(user: User) -> dict[str, Any]:
    """The person's memberships, what they chose to share, and the invitations they sent."""
    return {
        "teams": {
            "memberships": [
                {
                    "service": m.service.name,
                    "lead": m.is_lead,
                    "role": m.get_role_display(),
                    "wte": m.wte,
                    "target_level": m.target_level,
                    "shares_summary": m.shares_summary,
                    "consented_at": m.consented_at,
                    "joined_at": m.joined_at,
                    "left_at": m.left_at,
                }
                for m in Membership.objects.filter(user=user)
                .select_related("service")
                .order_by("joined_at", "pk")
            ],
            "invitations_sent": list(
                TeamInvitation.objects.filter(invited_by=user)
                .order_by("created_at", "pk")
                .values("service__name", "email", "name", "as_lead", "status", "created_at")
            ),
        }
    }
