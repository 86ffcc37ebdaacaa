"""The register's part of the practitioner's dashboard (added in RegisterConfig.ready): the
last "Get started" step and the "You can now apply" prompt.

The prompt asks `register.selectors.is_eligible`, the rule the application itself enforces,
so the dashboard and the application can never disagree about who may apply."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portfolios.exports.models import PortfolioExport
from portfolios.panels import DONE, IN_PROGRESS, NOT_STARTED, Task
from register.models import Application, RegisterEntry
from register.selectors import is_eligible

TITLE = "Export your portfolio or apply to the register"


def finish_step(dashboard: Any) -> Task:
    """Done with a finished PDF or a submitted application (two queries)."""
    user = dashboard.portfolio.user
    exports = set(
        PortfolioExport.objects.filter(owner=user).values_list("status", flat=True).distinct()
    )
    applications = set(
        Application.objects.filter(applicant=user)
        .exclude(status=Application.Status.WITHDRAWN)
        .values_list("status", flat=True)
        .distinct()
    )
    hint = "A PDF for appraisal or revalidation, or your application once you are eligible."
    if PortfolioExport.Status.DONE in exports or applications - {Application.Status.DRAFT}:
        return Task(TITLE, None, DONE, "Done: see your PDF exports and the register.")
    busy = {PortfolioExport.Status.PENDING, PortfolioExport.Status.RUNNING}
    if exports & busy:
        return Task(TITLE, reverse("exports:list"), IN_PROGRESS, "Your PDF is being made.")
    if Application.Status.DRAFT in applications:
        return Task(TITLE, reverse("register:apply"), IN_PROGRESS, "Your application is a draft.")
    return Task(TITLE, reverse("exports:list"), NOT_STARTED, hint)


def apply_prompt(dashboard: Any) -> dict[str, Any] | None:
    """ "You can now apply at Level L": eligible, nothing open, not already on the register at
    that level or above. Costs nothing until every competency is signed off."""
    portfolio = dashboard.portfolio
    level = portfolio.target_level
    if dashboard.signed_off < dashboard.competency_count:
        return None  # eligibility needs every competency signed off; spare its queries
    user = portfolio.user
    if Application.objects.filter(applicant=user, status__in=Application.OPEN).exists():
        return None
    if RegisterEntry.objects.filter(
        user=user, status=RegisterEntry.Status.CURRENT, level__gte=level
    ).exists():
        return None
    # The dashboard's own states are at the target level: the rule need not read them again.
    states = [state for domain in dashboard.domains for state in domain.states]
    if not is_eligible(portfolio, level, states):
        return None
    return {"level": level, "url": reverse("register:apply")}
