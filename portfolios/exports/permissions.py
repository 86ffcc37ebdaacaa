"""Exports' permission helpers: a practitioner sees only their own exports and revalidation
records; anyone else gets 404. Verification is public and needs none."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from imhcpd.models import User
from portfolios.exports.models import PortfolioExport, PracticeHours, ReflectiveDiscussion


def get_export_for_user(user: User, pk: int) -> PortfolioExport:
    return get_object_or_404(PortfolioExport.objects.for_owner(user), pk=pk)


def get_revalidation_record_for_user(
    user: User, kind: str, pk: int
) -> PracticeHours | ReflectiveDiscussion:
    model = {"hours": PracticeHours, "discussion": ReflectiveDiscussion}.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.for_owner(user), pk=pk)
