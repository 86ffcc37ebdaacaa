"""Supervision's row of the dashboard's "Get started" list (added in SupervisionConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portfolios.panels import DONE, IN_PROGRESS, NOT_STARTED, Task
from portfolios.supervision.models import Supervision


def invite_step(dashboard: Any) -> Task:
    """Done once someone supervises; in progress while an invitation waits (one query)."""
    statuses = {
        status
        for status, supervisor_id in Supervision.objects.filter(
            portfolio=dashboard.portfolio,
            status__in=(Supervision.Status.ACTIVE, Supervision.Status.INVITED),
        ).values_list("status", "supervisor_id")
        # An active supervision whose supervisor closed their account supervises nobody.
        if status == Supervision.Status.INVITED or supervisor_id is not None
    }
    url = reverse("supervision:supervisors")
    if Supervision.Status.ACTIVE in statuses:
        return Task("Invite a supervisor", None, DONE, "Your supervisor has accepted.")
    if Supervision.Status.INVITED in statuses:
        return Task(
            "Invite a supervisor", url, IN_PROGRESS, "Invitation sent; waiting for an answer."
        )
    return Task(
        "Invite a supervisor", url, NOT_STARTED, "They sign off your evidence at your level."
    )
