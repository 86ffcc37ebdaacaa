"""The regulators' documents: where each is asked for (the request goes through the export
flow and lands on its progress page), the HCPC profile's texts and the Social Work England
record laid out for copying, with its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from imhcpd.quotas import check_quota
from portfolios.exports.models import PortfolioExport
from portfolios.exports.revalidation import bodies, documents, hcpc
from portfolios.exports.revalidation.document_forms import HcpcProfileForm
from portfolios.exports.services import ExportError
from portfolios.permissions import portfolio_required

Requester = Callable[..., tuple[PortfolioExport, bool]]


def _cycle_or_problem(request: HttpRequest, body: str) -> tuple[Any, str]:
    try:
        return documents.cycle_for(request.portfolio, body), ""
    except ExportError as exc:
        return None, str(exc)


def _busy(request: HttpRequest) -> int:
    busy = PortfolioExport.Status.PENDING, PortfolioExport.Status.RUNNING
    return PortfolioExport.objects.for_owner(request.user).filter(status__in=busy).count()


def _ask(request: HttpRequest, requester: Requester, back: str) -> HttpResponse:
    """POST: freeze the document and queue its PDF, then show its progress page; a refusal
    goes back to the page it was asked from with the reason."""
    active = _busy(request)
    if active >= settings.EXPORT_MAX_ACTIVE_PER_USER:
        messages.error(
            request, f"You already have {active} PDFs being made. When one is ready, ask again."
        )
        return _page(request, back, status=429)
    check_quota(request, "export_request")
    try:
        export, created = requester(user=request.user, portfolio=request.portfolio)
    except ExportError as exc:
        messages.error(request, str(exc))
        return _page(request, back, status=409)
    if not created:
        messages.info(
            request, "Nothing has changed since you last asked for this PDF, so here it is."
        )
    return redirect("exports:detail", pk=export.pk)


def _page(request: HttpRequest, which: str, status: int) -> HttpResponse:
    view = {"documents": _documents_page, "hcpc": _hcpc_page, "swe": _swe_page}[which]
    return view(request, status=status)


# --- The documents page (and the NMC pack, which has no page of its own) ------------------


def _documents_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    portfolio = request.portfolio
    cycle = bodies.current_cycle(portfolio, timezone.localdate())
    return render(
        request,
        "exports/revalidation/documents/index.html",
        {
            "body": portfolio.professional_body,
            "body_label": portfolio.get_professional_body_display(),
            "cycle": cycle,
            "NMC": bodies.NMC,
            "HCPC": bodies.HCPC,
            "SWE": bodies.SWE,
            "recent": PortfolioExport.objects.for_owner(request.user)
            .filter(
                kind__in=(
                    PortfolioExport.Kind.REVALIDATION,
                    PortfolioExport.Kind.HCPC,
                    PortfolioExport.Kind.SWE,
                )
            )
            .order_by("-created_at")[:5],
        },
        status=status,
    )


@require_safe
@portfolio_required
def documents_index(request: HttpRequest) -> HttpResponse:
    return _documents_page(request)


@require_POST
@portfolio_required
def nmc_pack(request: HttpRequest) -> HttpResponse:
    return _ask(request, documents.nmc_pack_request, "documents")


# --- HCPC ---------------------------------------------------------------------------------


def _hcpc_form(request: HttpRequest, cycle: Any, data: Any = None) -> HcpcProfileForm:
    portfolio = request.portfolio
    today = timezone.localdate()
    evidence = documents.cycle_evidence(portfolio, cycle)
    for e in evidence:
        day = dt.date.fromisoformat(e["date"])
        e["choice_label"] = f"{day:%-d %B %Y}: {e['title']} ({e['kind_label']})"
    gaps = bodies.cpd_gaps([dt.date.fromisoformat(e["date"]) for e in evidence], cycle, today)
    profile = hcpc.profile_for(portfolio, cycle)
    notes = profile.gap_notes
    initial = {
        "summary": profile.summary,
        "statement": profile.statement,
        "items": profile.statement_items,
        **{f"gap_{g.key}": notes.get(g.key, "") for g in gaps},
    }
    form = HcpcProfileForm(data, initial=initial, activities=evidence, gaps=gaps)
    form.activities = evidence  # type: ignore[attr-defined]
    form.profile = profile  # type: ignore[attr-defined]
    return form


def _hcpc_page(
    request: HttpRequest, status: int = 200, form: HcpcProfileForm | None = None
) -> HttpResponse:
    cycle, problem = _cycle_or_problem(request, bodies.HCPC)
    if cycle is not None and form is None:
        form = _hcpc_form(request, cycle)
    return render(
        request,
        "exports/revalidation/documents/hcpc.html",
        {
            "cycle": cycle,
            "problem": problem,
            "form": form,
            "gap_days": bodies.HCPC_GAP_DAYS,
            "standards": hcpc.HCPC_STANDARDS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portfolio_required
def hcpc_profile(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _hcpc_page(request)
    cycle, problem = _cycle_or_problem(request, bodies.HCPC)
    if cycle is None:
        messages.error(request, problem)
        return _hcpc_page(request, status=409)
    form = _hcpc_form(request, cycle, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            hcpc.hcpc_profile_save(
                portfolio=request.portfolio,
                by=request.user,
                cycle=cycle,
                summary=data["summary"],
                statement=data["statement"],
                items=data["items"],
                notes=form.notes(),
            )
        except hcpc.ProfileError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Your HCPC CPD profile is saved.")
            return redirect("exports:revalidation_hcpc")
    return _hcpc_page(request, status=400, form=form)


@require_POST
@portfolio_required
def hcpc_pdf(request: HttpRequest) -> HttpResponse:
    return _ask(request, hcpc.hcpc_profile_request, "hcpc")


# --- Social Work England ------------------------------------------------------------------


def _swe_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    cycle, problem = _cycle_or_problem(request, bodies.SWE)
    entries = documents.swe_record(request.portfolio, cycle) if cycle else []
    peer = sum(1 for e in entries if e["fields"][5][2] == "Yes")
    return render(
        request,
        "exports/revalidation/documents/swe.html",
        {
            "cycle": cycle,
            "problem": problem,
            "entries": entries,
            "peer": peer,
            "min_cpd": bodies.SWE_MIN_CPD,
            "min_peer": bodies.SWE_MIN_PEER,
        },
        status=status,
    )


@require_safe
@portfolio_required
def swe_record(request: HttpRequest) -> HttpResponse:
    return _swe_page(request)


@require_safe
@portfolio_required
def swe_csv(request: HttpRequest) -> HttpResponse:
    cycle, problem = _cycle_or_problem(request, bodies.SWE)
    if cycle is None:
        messages.error(request, problem)
        return _swe_page(request, status=409)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(documents.swe_csv_rows(documents.swe_record(request.portfolio, cycle)))
    # A byte-order mark so that Excel reads the UTF-8 (names with accents, curly quotes).
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"social-work-england-cpd-{cycle.start.year}-{cycle.end.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@portfolio_required
def swe_pdf(request: HttpRequest) -> HttpResponse:
    return _ask(request, documents.swe_record_request, "swe")


urlpatterns: list[URLPattern] = [
    path("portfolio/revalidation/documents/", documents_index, name="revalidation_documents"),
    path("portfolio/revalidation/nmc/pack/", nmc_pack, name="revalidation_nmc_pack"),
    path("portfolio/revalidation/hcpc/", hcpc_profile, name="revalidation_hcpc"),
    path("portfolio/revalidation/hcpc/pdf/", hcpc_pdf, name="revalidation_hcpc_pdf"),
    path("portfolio/revalidation/swe/", swe_record, name="revalidation_swe"),
    path("portfolio/revalidation/swe.csv", swe_csv, name="revalidation_swe_csv"),
    path("portfolio/revalidation/swe/pdf/", swe_pdf, name="revalidation_swe_pdf"),
]
