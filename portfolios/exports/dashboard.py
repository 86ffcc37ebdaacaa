"""Exports' panel on the dashboard: the revalidation tracker (added in ExportsConfig.ready)."""

from __future__ import annotations

from typing import Any

from portfolios.exports.revalidation.tracker import tracker_for
from portfolios.models import ProfessionalBody


def revalidation_panel(dashboard: Any) -> dict[str, Any] | None:
    """Only for someone with a regulator or professional body: with none there is nothing to
    revalidate (nursery and early years staff, for instance)."""
    if dashboard.portfolio.professional_body == ProfessionalBody.NONE:
        return None
    return {"tracker": tracker_for(dashboard.portfolio)}
