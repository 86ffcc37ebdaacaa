"""Pages outside the applicant's and administrators': the supervisor's endorsement, the
referee's link (no account) and the public register."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from imhcpd.pagination import paginate_counted
from imhcpd.roles import is_register_admin
from portfolios.services import TransitionError
from register import services
from register.forms import ReferenceForm, SearchForm
from register.models import Endorsement, RegisterEntry
from register.permissions import get_endorsement_for_supervisor

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


# --- The public register ---------------------------------------------------------------------

PAGE_SIZE = 25


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
        # Page and count in one query: each read of a search scans the register (on
        # imhcpd_load's 2,000 entries, 1.2–1.7 ms a scan; a trigram index did not help).
        results = paginate_counted(
            rows.order_by("name", "number"), request.GET.get("page"), PAGE_SIZE
        )
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
    tone = {"current": "green", "lapsed": "grey", "removed": "red"}.get(item.status, "grey")
    return render(
        request,
        "register/entry.html",
        {
            "entry": item,
            "tone": "yellow" if item.in_grace_period else tone,
            "level_words": f"Level {item.level}",
            "valid_label": "Was valid until" if item.in_grace_period else "Valid until",
        },
    )
