"""Teams tests. Helpers shared by the membership and invitation modules live here."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from imhcpd.models import User
from portfolios.teams import services
from portfolios.teams.models import Service, TeamEvent


def token_in(message: mail.EmailMessage) -> str:
    found = re.search(r"/teams/invitations/([\w-]+)/", message.body)
    assert found, message.body
    return found.group(1)


def accept_url(token: str) -> str:
    return f"/teams/invitations/{token}/"


def consent(**overrides: Any) -> dict[str, str]:
    """A filled-in accept (or "what I share") form: a clinician at 0.8 WTE towards Level 2."""
    data = {"action": "accept", "role": "clinician", "wte": "0.8", "target_level": "2"}
    data["consent"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def statuses(service: Service) -> list[str]:
    return list(TeamEvent.objects.filter(service=service).values_list("to_status", flat=True))


def pair_team(lead: User, name: str = "Riverside PAIR team") -> Service:
    return services.service_create(by=lead, name=name, kind="pair", region="wales")


def invite(capture, service: Service, lead: User, email: str, **extra: Any) -> str:  # type: ignore[no-untyped-def]
    """Send an invitation as `lead` and return the token from the email."""
    with capture(execute=True):
        services.invitation_send(service=service, by=lead, email=email, **extra)
    return token_in(mail.outbox[-1])


def join(capture, client, service: Service, lead: User, member: User, **form: Any):  # type: ignore[no-untyped-def]
    """`member` accepts an invitation with consent; returns their membership."""
    token = invite(capture, service, lead, member.email)
    client.force_login(member)
    response = client.post(accept_url(token), consent(**form))
    assert response.status_code == 302, response.content.decode()
    return service.memberships.get(user=member, left_at=None)
