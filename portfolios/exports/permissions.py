"""Exports' permission helpers: a practitioner sees only their own exports; anyone else gets
404. Verification is public and needs none."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from imhcpd.models import User
from portfolios.exports.models import PortfolioExport


def get_export_for_user(user: User, pk: int) -> PortfolioExport:
    return get_object_or_404(PortfolioExport.objects.for_owner(user), pk=pk)
