"""The personal development plan (PDP)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from competencies.models import Competency
from portfolios import services
from portfolios.forms import GoalForm
from portfolios.models import DevelopmentGoal, Portfolio
from portfolios.permissions import get_goal_for_user, portfolio_required


@require_safe
@portfolio_required
def plan(request: HttpRequest) -> HttpResponse:
    goals = request.portfolio.goals.prefetch_related("competencies", "events").order_by(
        "status", "target_date", "pk"
    )
    open_goals = [g for g in goals if g.status in DevelopmentGoal.OPEN_STATUSES]
    closed = [g for g in goals if g.status not in DevelopmentGoal.OPEN_STATUSES]
    return render(
        request,
        "portfolios/plan.html",
        {"open_goals": open_goals, "closed_goals": closed, "today": timezone.localdate()},
    )


def _goal_form_page(
    request: HttpRequest, portfolio: Portfolio, goal: DevelopmentGoal | None
) -> HttpResponse:
    competencies = (
        Competency.objects.filter(framework_id=portfolio.framework_id)
        .select_related("domain")
        .order_by("order")
    )
    form = GoalForm(request.POST or None, instance=goal, competencies=competencies)
    if request.method == "POST":
        if form.is_valid():
            services.goal_save(
                portfolio=portfolio,
                by=request.user,
                goal=goal,
                title=form.cleaned_data["title"],
                competencies=list(form.cleaned_data["competencies"]),
                actions=form.cleaned_data["actions"],
                target_date=form.cleaned_data["target_date"],
                status=form.cleaned_data["status"],
            )
            messages.success(request, "Goal saved.")
            return redirect("portfolios:plan")
        return render(
            request, "portfolios/goal_form.html", {"form": form, "goal": goal}, status=400
        )
    return render(request, "portfolios/goal_form.html", {"form": form, "goal": goal})


@portfolio_required
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest) -> HttpResponse:
    return _goal_form_page(request, request.portfolio, None)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_goal_for_user(request.user, pk)
    return _goal_form_page(request, goal.portfolio, goal)


@require_POST
@login_required
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.goal_delete(goal=get_goal_for_user(request.user, pk), by=request.user)
    messages.success(request, "Goal deleted.")
    return redirect("portfolios:plan")


@require_POST
@portfolio_required
def goal_from_gap(request: HttpRequest, code: str) -> HttpResponse:
    competency = Competency.objects.filter(
        framework_id=request.portfolio.framework_id, code=code
    ).first()
    if competency is None:
        raise Http404("No such competency in your framework.")
    goal = services.goal_from_gap(
        portfolio=request.portfolio, competency=competency, by=request.user
    )
    messages.success(
        request, f"Added “{goal.title}” to your development plan. Add the actions you will take."
    )
    return redirect("portfolios:goal_edit", pk=goal.pk)
