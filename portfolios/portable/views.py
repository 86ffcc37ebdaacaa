"""The portable portfolio: its published schema, the portfolio-only download and the import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from portfolios.data_views import zip_download
from portfolios.models import PortfolioImport
from portfolios.permissions import portfolio_of
from portfolios.personal_data import attachment_files, zip_stream
from portfolios.portable.archive import ImportProblems
from portfolios.portable.format import FILENAME, portable_portfolio_json, schema_text
from portfolios.portable.forms import ImportForm
from portfolios.portable.importer import portfolio_import, portfolio_is_empty


@require_safe
def schema_v1(request: HttpRequest) -> HttpResponse:
    # Public, stable and cacheable: another installation or a validator fetches it by URL.
    response = HttpResponse(schema_text(), content_type="application/schema+json")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@login_required
def portfolio_zip(request: HttpRequest) -> HttpResponse:
    document = portable_portfolio_json(request.user)
    if document is None:
        messages.info(request, "You have no portfolio to download yet.")
        return redirect("portfolios:my_data")
    stamp = timezone.localdate().isoformat()
    # Streamed like the full download: attachments are read a chunk at a time.
    return zip_download(
        zip_stream({FILENAME: document}, attachment_files(request.user)),
        f"imhcpd-portfolio-{stamp}.zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_portfolio(request: HttpRequest) -> HttpResponse:
    portfolio = portfolio_of(request.user)
    context = {"portfolio": portfolio, "empty": portfolio_is_empty(portfolio)}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                portfolio_import(user=request.user, file=upload, size=upload.size)
            except ImportProblems as error:
                form.add_problems(error.problems)
            else:
                return redirect("portfolios:import_done")
        return render(request, "portfolios/import.html", {**context, "form": form}, status=400)
    return render(request, "portfolios/import.html", {**context, "form": ImportForm()})


@require_safe
@login_required
def import_done(request: HttpRequest) -> HttpResponse:
    record = PortfolioImport.objects.filter(portfolio__user=request.user).first()
    if record is None:
        return redirect("portfolios:import")
    return render(request, "portfolios/import_done.html", {"record": record})
