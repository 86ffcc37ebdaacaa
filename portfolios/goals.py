"""The development plan: goals, their status history, and closing them at sign-off.

A goal aims at a level (the practitioner's target level when it was set). Once every
competency it names is signed off at that level or above, it is closed as done by
`goals_close_signed_off`, which the evidence audit helper calls whenever it records a
sign-off (`portfolios.services.evidence_event`), so supervision needs no knowledge of plans.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from competencies.models import Competency
from imhcpd.models import User
from portfolios.models import DevelopmentGoal, GoalEvent, Portfolio
from portfolios.selectors import signed_off_competency_ids

Status = DevelopmentGoal.Status


@transaction.atomic
def goal_save(
    *,
    portfolio: Portfolio,
    by: User,
    title: str,
    competencies: list[Competency],
    actions: str = "",
    target_date: dt.date | None = None,
    status: str = Status.PLANNED,
    goal: DevelopmentGoal | None = None,
) -> DevelopmentGoal:
    now = timezone.now()
    if goal is None:
        goal = DevelopmentGoal(portfolio=portfolio, created_at=now, level=portfolio.target_level)
        old_status = ""
    else:
        goal = DevelopmentGoal.objects.select_for_update().get(pk=goal.pk, portfolio=portfolio)
        old_status = goal.status
    goal.title = title
    goal.actions = actions
    goal.target_date = target_date
    goal.status = status
    goal.updated_at = now
    goal.save()
    goal.competencies.set(competencies)
    if old_status != status:
        GoalEvent.objects.create(goal=goal, actor=by, from_status=old_status, to_status=status)
    return goal


def goal_from_gap(*, portfolio: Portfolio, competency: Competency, by: User) -> DevelopmentGoal:
    existing = portfolio.goals.filter(
        competencies=competency, status__in=DevelopmentGoal.OPEN_STATUSES
    ).first()
    if existing is not None:
        return existing  # one click twice must not make two goals
    return goal_save(
        portfolio=portfolio,
        by=by,
        title=f"Evidence {competency.code} {competency.title}",
        competencies=[competency],
        target_date=timezone.localdate() + dt.timedelta(days=90),
    )


@transaction.atomic
def goal_delete(*, goal: DevelopmentGoal, by: User) -> None:
    goal.delete()


@transaction.atomic
def goals_close_signed_off(*, portfolio: Portfolio) -> list[DevelopmentGoal]:
    """Close every open goal whose competencies are now all signed off at its level or above.

    Goals naming no competency are left alone: nothing can show them achieved. The status
    event has no actor (the practitioner did not close it) and says why.
    """
    goals = list(
        DevelopmentGoal.objects.select_for_update()
        .filter(portfolio=portfolio, status__in=DevelopmentGoal.OPEN_STATUSES)
        .prefetch_related("competencies")
    )
    signed: dict[int, set[int]] = {}
    closed = []
    for goal in goals:
        level = goal.level or portfolio.target_level
        if level not in signed:
            signed[level] = signed_off_competency_ids(portfolio, level)
        named = list(goal.competencies.all())
        if not named or not {c.pk for c in named} <= signed[level]:
            continue
        codes = ", ".join(c.code for c in named)
        updated = DevelopmentGoal.objects.filter(
            pk=goal.pk, status__in=DevelopmentGoal.OPEN_STATUSES
        ).update(status=Status.DONE, updated_at=timezone.now())
        if updated != 1:
            continue
        GoalEvent.objects.create(
            goal=goal,
            actor=None,
            from_status=goal.status,
            to_status=Status.DONE,
            detail=f"Closed when {codes} {'was' if len(named) == 1 else 'were'} signed off "
            f"at Level {level}.",
        )
        goal.status = Status.DONE
        closed.append(goal)
    return closed
