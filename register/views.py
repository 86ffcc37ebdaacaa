"""Register pages: the applicant's, the supervisor's endorsement, the referee's link, the
administrators' queue and review, and the public register."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from imhcpd.quotas import check_quota
from imhcpd.roles import is_register_admin
from portfolios.models import Region
from portfolios.permissions import portfolio_required
from portfolios.services import TransitionError
from portfolios.supervision.models import Supervision
from register import selectors, services
from register.models import Application, Endorsement, Reference, RegisterEntry
from register.permissions import (
    get_endorsement_for_supervisor,
    get_entry_for_user,
    register_admin_required,
)

Status = Application.Status


class ReferenceForm(forms.Form):
    referee_role = forms.CharField(label="Your role", max_length=200)
    relationship = forms.CharField(
        label="How you know the applicant's infant mental health practice", max_length=300
    )
    statement = forms.CharField(
        label="Your reference",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you have seen of their work with infants, parents and carers. "
        "Please include nothing that could identify a family.",
    )


class RefereeForm(forms.Form):
    # The lengths of Reference.name and .email: longer input is a message, not a 500.
    name = forms.CharField(label="Referee's name", max_length=150)
    email = forms.EmailField(label="Referee's email", max_length=254)


class SearchForm(forms.Form):
    q = forms.CharField(label="Name or registration number", required=False, max_length=100)
    level = forms.TypedChoiceField(
        label="Level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any level"), (1, "Level 1"), (2, "Level 2"), (3, "Level 3")],
    )
    region = forms.ChoiceField(
        label="Nation or region", required=False, choices=[("", "Anywhere"), *Region.choices]
    )


# --- The applicant -------------------------------------------------------------------------


def _number(raw: str | None) -> int:
    """A posted id or level; anything that is not a number matches nothing."""
    return int(raw) if raw and raw.isdigit() else 0


def _open_application(user) -> Application | None:  # type: ignore[no-untyped-def]
    return (
        Application.objects.for_owner(user)
        .filter(status__in=Application.OPEN)
        .select_related("portfolio")
        .first()
    )


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply(request: HttpRequest) -> HttpResponse:
    user = request.user
    app = _open_application(user)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                level = _number(request.POST.get("level"))
                services.application_start(user=user, level=level)
                messages.success(request, "Application started.")
            elif app is None:
                raise TransitionError("You have no application in progress.")
            elif action == "declare":
                services.application_declare(
                    application=app, keys=request.POST.getlist("declarations"), by=user
                )
                messages.success(request, "Declarations saved.")
            elif action == "endorsement":
                supervision = get_object_or_404(
                    Supervision.objects.active(),
                    pk=_number(request.POST.get("supervision")),
                    portfolio=request.portfolio,
                )
                services.endorsement_request(application=app, supervision=supervision, by=user)
                messages.success(request, f"Endorsement asked of {supervision.invitee_name}.")
            elif action == "reference":
                referee = RefereeForm(request.POST)
                if not referee.is_valid():
                    raise TransitionError(
                        "Enter the referee's name and a valid email. "
                        + " ".join(
                            f"{referee.fields[f].label}: {e}"
                            for f, errors in referee.errors.items()
                            for e in errors
                        )
                    )
                name = referee.cleaned_data["name"]
                # Each request emails the referee, so withdraw-and-resend loops count too.
                check_quota(request, "reference_request", target=referee.cleaned_data["email"])
                services.reference_request(
                    application=app, name=name, email=referee.cleaned_data["email"], by=user
                )
                messages.success(request, f"Reference request sent to {name}.")
            elif action == "withdraw_reference":
                reference = get_object_or_404(
                    Reference, pk=_number(request.POST.get("reference")), application=app
                )
                services.reference_withdraw(reference=reference, by=user)
                messages.success(request, "Reference request withdrawn.")
            elif action == "submit":
                services.application_submit(application=app, by=user)
                messages.success(request, "Your application has been submitted.")
            elif action == "answer":
                services.info_answer(
                    application=app, by=user, answer=request.POST.get("answer", "")
                )
                messages.success(request, "Your answer was sent and the application resubmitted.")
            elif action == "withdraw":
                services.application_withdraw(application=app, by=user)
                messages.info(request, "Your application was withdrawn.")
            else:
                raise TransitionError("Choose what to do.")
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 409 if action in ("submit", "withdraw", "start") else 400
        else:
            return redirect("register:apply")
        app = _open_application(user)
    return render(request, "register/apply.html", _apply_context(request, app), status=status)


def _apply_context(request: HttpRequest, app: Application | None) -> dict[str, object]:
    portfolio = request.portfolio
    past = Application.objects.for_owner(request.user).exclude(status__in=Application.OPEN)
    entries = RegisterEntry.objects.for_owner(request.user).order_by("-valid_to")
    context: dict[str, object] = {
        "application": app,
        "past": past,
        "entries": entries,
        "declarations": services.DECLARATIONS,
        "renewal_declarations": services.RENEWAL_DECLARATIONS,
        "today": timezone.localdate(),
    }
    if app is None:
        context["levels"] = [
            (level, selectors.eligibility(portfolio, level)) for level in (1, 2, 3)
        ]
    else:
        context.update(
            checks=selectors.eligibility(portfolio, app.level),
            supervisors=Supervision.objects.active()
            .filter(portfolio=portfolio)
            .select_related("supervisor"),
            endorsements=app.endorsements.select_related("supervision"),
            references=app.references.exclude(status=Reference.Status.WITHDRAWN),
            problems=services.submission_problems(app) if app.status == Status.DRAFT else [],
            open_questions=app.info_requests.filter(answered_at=None),
            events=app.events.all(),
            snapshots=app.snapshots.all(),
        )
    current = entries.filter(status=RegisterEntry.Status.CURRENT).first()
    if current:
        context["current_entry"] = current
        context["renewal"] = selectors.renewal_check(current)
    return context


@require_http_methods(["POST"])
@login_required
def renew(request: HttpRequest, number: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, number)
    try:
        services.entry_renew(
            entry=entry, by=request.user, keys=request.POST.getlist("declarations")
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("register:apply")
    messages.success(request, f"Renewed: your entry is valid until {entry.valid_to:%-d %B %Y}.")
    return redirect("register:apply")


# --- The supervisor's endorsement ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def endorsement(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_endorsement_for_supervisor(request.user, pk)
    status = 200
    if request.method == "POST":
        choice = request.POST.get("decision")
        try:
            if choice not in ("endorse", "decline"):
                raise TransitionError("Choose to endorse or decline.")
            services.endorsement_decide(
                endorsement=item,
                by=request.user,
                endorse=choice == "endorse",
                text=request.POST.get("text", ""),
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 400 if item.status == Endorsement.Status.REQUESTED else 409
        else:
            messages.success(request, "Thank you: your answer was recorded.")
            return redirect("supervision:home")
    return render(request, "register/endorsement.html", {"endorsement": item}, status=status)


# --- The referee (no account) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reference(request: HttpRequest, token: str) -> HttpResponse:
    item = services.reference_for_token(token)
    try:
        services.check_reference(item)
    except services.ReferenceProblem as exc:
        return render(
            request,
            "register/reference_problem.html",
            {"problem": str(exc)},
            status=404 if item is None else 410,
        )
    form = ReferenceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reference_submit(reference=item, data=form.cleaned_data)
            except services.ReferenceProblem as exc:
                return render(
                    request, "register/reference_problem.html", {"problem": str(exc)}, status=409
                )
            return render(request, "register/reference_thanks.html", {"reference": item})
        response = render(
            request, "register/reference.html", {"reference": item, "form": form}, status=400
        )
    else:
        response = render(request, "register/reference.html", {"reference": item, "form": form})
    response["X-Robots-Tag"] = "noindex"
    # Not "no-referrer": browsers then send `Origin: null` with the form and CSRF refuses it.
    # The site-wide "same-origin" already keeps the token out of other sites' logs.
    response["Referrer-Policy"] = "same-origin"
    return response


# --- Administrators -------------------------------------------------------------------------


@require_safe
@register_admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    rows = Application.objects.select_related("applicant", "assigned_to").exclude(
        status=Status.DRAFT
    )
    wanted = request.GET.get("status") or "waiting"
    if wanted == "waiting":
        rows = rows.filter(status__in=Application.IN_QUEUE)
    elif wanted in Status.values:
        rows = rows.filter(status=wanted)
    level = request.GET.get("level")
    if level in ("1", "2", "3"):
        rows = rows.filter(level=int(level))
    waiting = request.GET.get("waiting")
    if waiting and waiting.isdigit():
        rows = rows.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=int(waiting)))
    return render(
        request,
        "register/admin_home.html",
        {
            "applications": rows.order_by("submitted_at", "pk"),
            "statuses": Status.choices,
            "wanted": wanted,
            "level": level,
            "waiting": waiting or "",
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_application(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(
        Application.objects.select_related("applicant", "assigned_to", "portfolio").exclude(
            status=Status.DRAFT
        ),
        pk=pk,
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        admin = request.user
        try:
            if action == "assign":
                services.application_assign(application=app, admin=admin)
                messages.success(request, "Assigned to you.")
            elif action == "note":
                services.note_add(application=app, admin=admin, body=request.POST.get("body", ""))
                messages.success(request, "Note added.")
            elif action == "approve":
                version = request.POST.get("version", "")
                entry = services.application_approve(
                    application=app,
                    admin=admin,
                    reviewed_version=int(version) if version.isdigit() else None,
                )
                messages.success(request, f"Approved: {entry.number}.")
            elif action == "reject":
                services.application_reject(
                    application=app, admin=admin, reasons=request.POST.get("reasons", "")
                )
                messages.success(request, "Rejected; the applicant has been told why.")
            elif action == "request_info":
                services.application_request_info(
                    application=app, admin=admin, questions=request.POST.get("questions", "")
                )
                messages.success(request, "Questions sent to the applicant.")
            else:
                raise TransitionError("Choose an action.")
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 409 if action in ("assign", "approve", "reject", "request_info") else 400
            if "nothing was changed" not in str(exc) and action in ("reject", "request_info"):
                status = 400
            if isinstance(exc, services.PartyToApplication):
                status = 403
        else:
            return redirect("register:admin_application", pk=app.pk)
    snapshots = list(app.snapshots.all())
    version = request.GET.get("version")
    shown = next((s for s in snapshots if str(s.version) == version), None) or (
        snapshots[-1] if snapshots else None
    )
    return render(
        request,
        "register/admin_application.html",
        {
            "application": app,
            "snapshots": snapshots,
            "snapshot": shown,
            "s": shown.data if shown else None,
            "notes": app.notes.select_related("author"),
            "events": app.events.select_related("actor"),
            "info_requests": app.info_requests.all(),
            "conflict": selectors.conflict_of_interest(app, request.user),
            "latest_version": snapshots[-1].version if snapshots else None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_entries(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        item = get_object_or_404(RegisterEntry, number=request.POST.get("number", ""))
        try:
            services.entry_remove(
                entry=item, admin=request.user, reason=request.POST.get("reason", "")
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 400 if item.status != RegisterEntry.Status.REMOVED else 409
        else:
            messages.success(request, f"{item.number} was removed from the register.")
            return redirect("register:admin_entries")
    q = request.GET.get("q", "").strip()
    rows = RegisterEntry.objects.order_by("name", "number")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(number__iexact=q))
    return render(
        request,
        "register/admin_entries.html",
        {"entries": rows[:200], "q": q},
        status=status,
    )


# --- The public register ---------------------------------------------------------------------


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        # Only current entries are listed; a lapsed number still answers on a direct lookup.
        rows = RegisterEntry.objects.filter(status=RegisterEntry.Status.CURRENT)
        if data["q"]:
            q = data["q"].strip()
            rows = rows.filter(Q(name__icontains=q) | Q(number__iexact=q))
        if data["level"]:
            rows = rows.filter(level=data["level"])
        if data["region"]:
            rows = rows.filter(region=data["region"])
        results = list(rows.order_by("name", "number")[:200])
    return render(
        request,
        "register/search.html",
        {"form": form, "results": results},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_safe
def entry(request: HttpRequest, number: str) -> HttpResponse:
    item = RegisterEntry.objects.filter(number__iexact=number).first()
    # An entry removed because its account closed still answers, as removed, so nobody can
    # pass its number off as current; one removed by an administrator is not found.
    if item is None or (
        item.status == RegisterEntry.Status.REMOVED
        and item.account_closed_at is None
        and not is_register_admin(request.user)
    ):
        raise Http404("No register entry has this number.")
    return render(request, "register/entry.html", {"entry": item})
