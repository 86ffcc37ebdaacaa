"""Who may see what in a service: its leads see the team; a member sees their own
membership. Anything else is a 404, as if it did not exist."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from imhcpd.models import User
from portfolios.teams.models import Membership, Service


def led_services(user: User) -> QuerySet[Service]:
    return Service.objects.filter(
        memberships__user=user, memberships__is_lead=True, memberships__left_at=None
    ).distinct()


def get_service_for_lead(user: User, pk: int) -> Service:
    return get_object_or_404(led_services(user), pk=pk)


def current_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, left_at=None).select_related("service")


def get_membership_for_member(user: User, pk: int) -> Membership:
    return get_object_or_404(current_memberships(user), pk=pk)


def is_last_lead(membership: Membership) -> bool:
    """A service always keeps a lead: the last one cannot leave or be removed."""
    leads = Membership.objects.filter(service_id=membership.service_id, is_lead=True, left_at=None)
    return membership.is_lead and leads.count() <= 1
