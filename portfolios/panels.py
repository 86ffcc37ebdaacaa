"""What the layers above the portfolio add to the practitioner's dashboard.

The dashboard belongs to portfolios, but some of what it shows lives higher up: whether a
supervisor has been invited (supervision), how revalidation is going (exports), whether the
person can apply to the register (register). Those packages may import portfolios, not the
other way round, so each adds its part here from its `AppConfig.ready()`, the same way the
navigation flags and the review-queue sections work.

- An **onboarding step** is one row of the "Get started" task list: a function of the
  dashboard's data that answers a `Task`, or None to leave the row out.
- A **panel** is a template included on the dashboard with the context its function answers,
  or nothing when the function answers None (nothing to show for this person).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DONE = "done"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
CANNOT_START = "cannot_start"


@dataclass(frozen=True)
class Task:
    """One row of a task list, in the shape `{% task_list %}` takes."""

    title: str
    url: str | None
    status: str  # DONE | IN_PROGRESS | NOT_STARTED | CANNOT_START
    hint: str = ""

    @property
    def done(self) -> bool:
        return self.status == DONE

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "status": self.status, "hint": self.hint}


@dataclass(frozen=True)
class OnboardingStep:
    order: int
    task: Callable[[Any], Task | None]  # called with the selectors.Dashboard


MAIN = "main"  # under the headline, full width: prompts to act on now
SIDE = "side"  # at the top of the side column: standing progress


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable[[Any], dict[str, Any] | None]  # called with the selectors.Dashboard
    area: str = MAIN


@dataclass(frozen=True)
class FilledPanel:
    template: str
    context: dict[str, Any]
    area: str = MAIN


_STEPS: list[OnboardingStep] = []
_PANELS: list[Panel] = []


def register_onboarding_step(*, order: int, task: Callable[[Any], Task | None]) -> None:
    _STEPS.append(OnboardingStep(order=order, task=task))


def register_dashboard_panel(
    *,
    order: int,
    template: str,
    context: Callable[[Any], dict[str, Any] | None],
    area: str = MAIN,
) -> None:
    if area not in (MAIN, SIDE):
        raise ValueError(f"A dashboard panel goes in {MAIN!r} or {SIDE!r}, not {area!r}.")
    _PANELS.append(Panel(order=order, template=template, context=context, area=area))


def registered_steps() -> list[OnboardingStep]:
    return sorted(_STEPS, key=lambda s: s.order)


def dashboard_panels(dashboard: Any) -> list[FilledPanel]:
    """Only the panels with something to show for this person, in their order."""
    filled = []
    for panel in sorted(_PANELS, key=lambda p: p.order):
        context = panel.context(dashboard)
        if context is not None:
            filled.append(FilledPanel(panel.template, context, panel.area))
    return filled
