"""The portfolios app's permission helpers: owners see their own things, others get 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from imhcpd.models import User
from portfolios.models import Attachment, DevelopmentGoal, Evidence, Portfolio


def portfolio_of(user: User) -> Portfolio | None:
    portfolio = Portfolio.objects.for_owner(user).select_related("framework").first()
    if portfolio is not None:
        portfolio.user = user  # its owner, already loaded: `portfolio.user` costs no query
    return portfolio


def portfolio_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in and with a portfolio (else sent to set one up); sets `request.portfolio`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        portfolio = portfolio_of(request.user)
        if portfolio is None:
            return redirect("portfolios:setup")
        request.portfolio = portfolio
        return view(request, *args, **kwargs)

    return wrapper


def get_evidence_for_user(user: User, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.for_owner(user).select_related("current", "portfolio"), pk=pk
    )


def get_attachment_for_user(user: User, pk: int) -> Attachment:
    return get_object_or_404(
        Attachment.objects.for_owner(user).select_related("revision__evidence"), pk=pk
    )


def get_goal_for_user(user: User, pk: int) -> DevelopmentGoal:
    return get_object_or_404(
        DevelopmentGoal.objects.for_owner(user).select_related("portfolio"), pk=pk
    )
