"""The portfolios app's permission helpers: owners see their own things, others get 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from imhcpd.models import User
from portfolios.models import Attachment, DevelopmentGoal, Evidence, Portfolio


def portfolio_of(user: User) -> Portfolio | None:
    return Portfolio.objects.select_related("framework").filter(user=user).first()


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
        Evidence.objects.select_related("current", "portfolio"), pk=pk, portfolio__user=user
    )


def get_attachment_for_user(user: User, pk: int) -> Attachment:
    return get_object_or_404(
        Attachment.objects.select_related("revision__evidence"),
        pk=pk,
        revision__evidence__portfolio__user=user,
    )


def get_goal_for_user(user: User, pk: int) -> DevelopmentGoal:
    return get_object_or_404(
        DevelopmentGoal.objects.select_related("portfolio"), pk=pk, portfolio__user=user
    )


# --- Supervision: a supervisor sees only what was submitted to them, while active ---------


def _reviewer_revisions(user: User):  # type: ignore[no-untyped-def]
    from portfolios.models import EvidenceRevision, Supervision

    return EvidenceRevision.objects.filter(
        submitted_to__supervisor=user, submitted_to__status=Supervision.Status.ACTIVE
    ).exclude(status=EvidenceRevision.Status.DRAFT)


def get_revision_for_reviewer(user: User, pk: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(
        _reviewer_revisions(user).select_related("evidence__portfolio__user", "submitted_to"),
        pk=pk,
    )


def get_evidence_for_reviewer(user: User, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("portfolio__user", "current").filter(
            pk__in=_reviewer_revisions(user).values("evidence_id")
        ),
        pk=pk,
    )


def get_supervision_as_supervisor(user: User, pk: int):  # type: ignore[no-untyped-def]
    from portfolios.models import Supervision

    return get_object_or_404(
        Supervision.objects.select_related("portfolio__user", "portfolio__framework"),
        pk=pk,
        supervisor=user,
        status=Supervision.Status.ACTIVE,
    )


def get_supervision_as_practitioner(user: User, pk: int):  # type: ignore[no-untyped-def]
    from portfolios.models import Supervision

    return get_object_or_404(Supervision, pk=pk, portfolio__user=user)


def get_evidence_for_commenter(user: User, pk: int) -> Evidence:
    """The owner, or a supervisor reviewing it, may comment; anyone else gets 404."""
    owned = (
        Evidence.objects.filter(pk=pk, portfolio__user=user)
        .select_related("current", "portfolio__user")
        .first()
    )
    return owned if owned is not None else get_evidence_for_reviewer(user, pk)


def get_export_for_user(user: User, pk: int):  # type: ignore[no-untyped-def]
    from portfolios.models import PortfolioExport

    return get_object_or_404(PortfolioExport, pk=pk, owner=user)


def get_revalidation_record_for_user(user: User, kind: str, pk: int):  # type: ignore[no-untyped-def]
    from portfolios.models import PracticeHours, ReflectiveDiscussion

    model = {"hours": PracticeHours, "discussion": ReflectiveDiscussion}.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk, portfolio__user=user)
