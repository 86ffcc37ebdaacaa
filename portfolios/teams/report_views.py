"""The team's picture, for its leads only: the team page, the CSV and the PDF report (made
through the existing export flow). Anyone else gets 404 from get_service_for_lead."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from portfolios.exports.models import PortfolioExport
from portfolios.exports.services import ExportError, export_create
from portfolios.models import Portfolio

from .permissions import get_service_for_lead
from .report import csv_rows, snapshot, team_report


@require_safe
@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_service_for_lead(request.user, pk)
    report = team_report(service)
    return render(request, "teams/team.html", {"service": service, "report": report})


@require_safe
@login_required
def report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_service_for_lead(request.user, pk)
    report = team_report(service)
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    # A byte-order mark so that Excel reads the UTF-8 (names with accents).
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"team-report-{slugify(service.name) or service.pk}-{report.today:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Other people's summaries: never kept by a shared cache or the browser's back button.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_service_for_lead(request.user, pk)
    # The export flow files a PDF under its owner's portfolio (the worker checks the owner
    # still holds it before rendering); a lead without one is offered the CSV instead.
    portfolio = Portfolio.objects.filter(user=request.user).first()
    if portfolio is None:
        messages.error(
            request,
            "PDF reports are kept with your own portfolio, and you have not set one up. "
            "Download the CSV instead, or set up your portfolio first.",
        )
        return redirect("teams:team", pk=service.pk)
    report = team_report(service)
    try:
        export, _ = export_create(
            owner=request.user,
            portfolio=portfolio,
            kind=PortfolioExport.Kind.TEAM,
            snapshot=snapshot(report, request.user),
            level=None,
        )
    except ExportError as exc:
        messages.error(request, str(exc))
        return redirect("teams:team", pk=service.pk)
    return redirect("exports:detail", pk=export.pk)
