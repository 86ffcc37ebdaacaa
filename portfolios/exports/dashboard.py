"""Exports' panel on the dashboard: revalidation progress (added in ExportsConfig.ready)."""

from __future__ import annotations

from typing import Any

from portfolios.exports.selectors import revalidation_progress
from portfolios.models import ProfessionalBody


def revalidation_panel(dashboard: Any) -> dict[str, Any] | None:
    """Only for someone a regulator revalidates: with no professional body there is no
    revalidation to track (nursery and early years staff, for instance)."""
    if dashboard.portfolio.professional_body == ProfessionalBody.NONE:
        return None
    return {"progress": revalidation_progress(dashboard.portfolio)}
