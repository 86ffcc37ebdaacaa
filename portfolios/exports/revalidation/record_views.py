"""Pages for the revalidation records: practice hours, reflective discussions, declarations,
the confirmation request, and the confirmer's own page (a token link, no account)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portfolios.exports.revalidation import bodies, confirmation, records
from portfolios.exports.revalidation.models import Confirmation, Declaration, PracticeHours
from portfolios.exports.revalidation.permissions import (
    get_confirmation_for_user,
    get_discussion_for_user,
    get_practice_hours_for_user,
)
from portfolios.exports.revalidation.record_forms import (
    ConfirmationRequestForm,
    ConfirmerForm,
    DeclarationsForm,
    PracticeHoursForm,
    ReflectiveDiscussionForm,
    discussable_accounts,
)
from portfolios.models import Evidence
from portfolios.permissions import portfolio_required
from portfolios.services import TransitionError

# The regulator's name inside a sentence ("the NMC asks you…").
BODY_IN_SENTENCE = {
    bodies.NMC: "the NMC",
    bodies.HCPC: "the HCPC",
    bodies.SWE: "Social Work England",
}

# --- Practice hours ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portfolio_required
def hours(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    form = PracticeHoursForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            records.practice_hours_add(portfolio=portfolio, by=request.user, data=form.cleaned_data)
            messages.success(request, "Practice hours recorded.")
            return redirect(reverse("exports:revalidation_hours") + "#practice-hours-log")
        status = 400
    rows = PracticeHours.objects.filter(portfolio=portfolio)
    total = rows.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return render(
        request,
        "exports/revalidation/records/hours.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "is_nmc": portfolio.professional_body == bodies.NMC,
            "target": bodies.nmc_practice_hours_target(portfolio),
        },
        status=status,
    )


@require_POST
@login_required
def hours_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_practice_hours_for_user(request.user, pk)
    records.practice_hours_delete(record=record, by=request.user)
    messages.success(
        request, f"Deleted the hours from {record.start:%-d %B %Y} to {record.end:%-d %B %Y}."
    )
    return redirect(reverse("exports:revalidation_hours") + "#practice-hours-log")


# --- Reflective discussions -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portfolio_required
def discussions(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    form = ReflectiveDiscussionForm(
        request.POST if request.method == "POST" else None, portfolio=portfolio
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                records.discussion_add(
                    portfolio=portfolio,
                    by=request.user,
                    data=form.cleaned_data,
                    accounts=form.cleaned_data["accounts"],
                )
            except TransitionError as exc:
                form.add_error("accounts", str(exc))
            else:
                messages.success(request, "Reflective discussion recorded.")
                return redirect(reverse("exports:revalidation_discussions") + "#discussions-log")
        status = 400
    rows = portfolio.reflective_discussions.prefetch_related(
        Prefetch("accounts", queryset=Evidence.objects.select_related("current"))
    )
    return render(
        request,
        "exports/revalidation/records/discussions.html",
        {
            "form": form,
            "rows": rows,
            "has_accounts": discussable_accounts(portfolio).exists(),
        },
        status=status,
    )


@require_POST
@login_required
def discussion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    discussion = get_discussion_for_user(request.user, pk)
    records.discussion_delete(discussion=discussion, by=request.user)
    messages.success(request, f"Deleted the discussion of {discussion.date:%-d %B %Y} record.")
    return redirect(reverse("exports:revalidation_discussions") + "#discussions-log")


# --- Declarations ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portfolio_required
def declarations(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    today = timezone.localdate()
    texts = records.declaration_texts(portfolio)
    cycle = bodies.current_cycle(portfolio, today)
    ready = bool(texts) and cycle is not None and cycle.has_deadline
    made = records.declarations_for(portfolio, cycle) if ready and cycle else {}
    form = DeclarationsForm(request.POST if request.method == "POST" else None, texts=texts)
    status = 200
    if request.method == "POST":
        if not ready:
            messages.error(
                request,
                "Set your revalidation date first."
                if texts
                else "Your regulator does not ask for these declarations.",
            )
            status = 400
        elif form.is_valid():
            try:
                records.declarations_make(
                    portfolio=portfolio,
                    by=request.user,
                    kinds=form.cleaned_data["kinds"],
                    today=today,
                )
            except records.DeclarationLocked as exc:
                messages.error(request, str(exc))
                status = 409
            except TransitionError as exc:
                form.add_error("kinds", str(exc))
                status = 400
            else:
                messages.success(request, "Your declarations are recorded.")
                return redirect("exports:revalidation_declarations")
        else:
            status = 400
    pending = [(kind, text) for kind, text in texts.items() if kind not in made]
    ticked = set(form["kinds"].value() or []) if form.is_bound else set()
    return render(
        request,
        "exports/revalidation/records/declarations.html",
        {
            "form": form,
            "texts": texts,
            "cycle": cycle if ready else None,
            "needs_date": bool(texts) and not ready,
            "made": [made[kind] for kind in texts if kind in made],
            "pending": [
                (kind, Declaration.Kind(kind).label, text, kind in ticked) for kind, text in pending
            ],
            "body_name": BODY_IN_SENTENCE.get(portfolio.professional_body, ""),
        },
        status=status,
    )


# --- The confirmation (the practitioner's side) ------------------------------------------


def _confirmation_page(
    request: HttpRequest, form: ConfirmationRequestForm, status: int = 200
) -> HttpResponse:
    portfolio = request.portfolio
    cycle = bodies.current_cycle(portfolio, timezone.localdate())
    is_nmc = portfolio.professional_body == bodies.NMC
    given = confirmation.given_confirmation(portfolio, cycle) if is_nmc else None
    return render(
        request,
        "exports/revalidation/confirm/request.html",
        {
            "form": form,
            "is_nmc": is_nmc,
            "cycle": cycle if is_nmc else None,
            "window": bodies.confirmation_window(cycle) if is_nmc and cycle else None,
            "given": given,
            "live": confirmation.live_confirmation(portfolio) if is_nmc else None,
            "earlier": Confirmation.objects.filter(portfolio=portfolio)
            .exclude(pk=given.pk if given else None)
            .exclude(status=Confirmation.Status.REQUESTED, expires_at__gt=timezone.now()),
            "days": settings.REVALIDATION_CONFIRMATION_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portfolio_required
def confirmation_page(request: HttpRequest) -> HttpResponse:
    form = ConfirmationRequestForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _confirmation_page(request, form)
    if not form.is_valid():
        return _confirmation_page(request, form, 400)
    try:
        item = confirmation.confirmation_request(
            portfolio=request.portfolio,
            by=request.user,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
        )
    except TransitionError as exc:
        form.add_error(None, str(exc))
        state = (
            confirmation.live_confirmation(request.portfolio)
            or Confirmation.objects.filter(
                portfolio=request.portfolio, status=Confirmation.Status.CONFIRMED
            ).exists()
        )
        return _confirmation_page(request, form, 409 if state else 400)
    messages.success(request, f"We have emailed {item.name} a link to give your confirmation.")
    return redirect("exports:revalidation_confirmation")


@require_POST
@login_required
def confirmation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_confirmation_for_user(request.user, pk)
    # Someone without a portfolio has no records to reach: the helper gave them 404 already.
    request.portfolio = item.portfolio
    try:
        confirmation.confirmation_withdraw(confirmation=item, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return _confirmation_page(request, ConfirmationRequestForm(), 409)
    messages.success(
        request, f"Your request to {item.name} is withdrawn: their link no longer works."
    )
    return redirect("exports:revalidation_confirmation")


# --- The confirmer (no account) -----------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    # Not "no-referrer": browsers then send `Origin: null` with the form and CSRF refuses it.
    # The site-wide "same-origin" already keeps the token out of other sites' logs.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    item = confirmation.confirmation_for_token(token)
    try:
        confirmation.check_confirmation(item)
    except confirmation.ConfirmationProblem as exc:
        return _private(
            render(
                request,
                "exports/revalidation/confirm/problem.html",
                {"problem": str(exc)},
                status=404 if item is None else 410,
            )
        )
    assert item is not None
    window = confirmation.confirmation_window(item)
    form = ConfirmerForm(
        request.POST if request.method == "POST" else None,
        window=window,
        initial={"name": item.name, "email": item.email},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                confirmation.confirmation_give(confirmation=item, data=form.cleaned_data)
            except confirmation.ConfirmationProblem as exc:
                return _private(
                    render(
                        request,
                        "exports/revalidation/confirm/problem.html",
                        {"problem": str(exc)},
                        status=409,
                    )
                )
            return _private(
                render(request, "exports/revalidation/confirm/thanks.html", {"confirmation": item})
            )
        status = 400
    return _private(
        render(
            request,
            "exports/revalidation/confirm/confirm.html",
            {
                "confirmation": item,
                "practitioner": item.portfolio.user,
                "portfolio": item.portfolio,
                "window": window,
                "form": form,
            },
            status=status,
        )
    )


urlpatterns: list[URLPattern] = [
    path("portfolio/revalidation/practice-hours/", hours, name="revalidation_hours"),
    # "delete/<pk>", not "<pk>/delete": the older exports route "<kind>/<pk>/delete/" would
    # catch the latter first.
    path(
        "portfolio/revalidation/practice-hours/delete/<int:pk>/",
        hours_delete,
        name="revalidation_hours_delete",
    ),
    path("portfolio/revalidation/discussions/", discussions, name="revalidation_discussions"),
    path(
        "portfolio/revalidation/discussions/delete/<int:pk>/",
        discussion_delete,
        name="revalidation_discussion_delete",
    ),
    path("portfolio/revalidation/declarations/", declarations, name="revalidation_declarations"),
    path(
        "portfolio/revalidation/confirmation/",
        confirmation_page,
        name="revalidation_confirmation",
    ),
    path(
        "portfolio/revalidation/confirmation/<int:pk>/withdraw/",
        confirmation_withdraw,
        name="revalidation_confirmation_withdraw",
    ),
    # Public: the confirmer has no account; the token is the key.
    path("revalidation/confirm/<str:token>/", confirm, name="revalidation_confirm"),
]
