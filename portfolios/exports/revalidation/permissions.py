"""Permission helpers for the revalidation records: a practitioner reaches only their own;
anyone else's id gives 404. The confirmer's page is reached by its token, not by these."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from imhcpd.models import User
from portfolios.exports.revalidation.models import (
    Confirmation,
    PracticeHours,
    ReflectiveDiscussion,
)


def get_practice_hours_for_user(user: User, pk: int) -> PracticeHours:
    return get_object_or_404(
        PracticeHours.objects.for_owner(user).select_related("portfolio"), pk=pk
    )


def get_discussion_for_user(user: User, pk: int) -> ReflectiveDiscussion:
    return get_object_or_404(
        ReflectiveDiscussion.objects.for_owner(user).select_related("portfolio"), pk=pk
    )


def get_confirmation_for_user(user: User, pk: int) -> Confirmation:
    return get_object_or_404(
        Confirmation.objects.for_owner(user).select_related("portfolio"), pk=pk
    )
