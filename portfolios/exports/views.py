"""Exports: ask for a PDF, watch it being made, download it; the public verify pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from imhcpd.quotas import check_quota
from imhcpd.storage import private_download
from portfolios.exports import services as exports
from portfolios.exports.forms import (
    ExportRequestForm,
    VerifyCodeForm,
    VerifyFileForm,
)
from portfolios.exports.models import PortfolioExport
from portfolios.exports.permissions import get_export_for_user
from portfolios.exports.snapshot import ExportOptions
from portfolios.permissions import portfolio_required
from portfolios.services import TransitionError


def _room_for_another(request: HttpRequest, form: ExportRequestForm) -> bool:
    """One account must not fill the render queue: a few PDFs in the making at once."""
    busy = PortfolioExport.Status.PENDING, PortfolioExport.Status.RUNNING
    active = PortfolioExport.objects.for_owner(request.user).filter(status__in=busy).count()
    if active < settings.EXPORT_MAX_ACTIVE_PER_USER:
        return True
    form.add_error(
        None,
        forms.ValidationError(
            f"You already have {active} PDFs being made. When one is ready, ask again.",
            code="busy",
        ),
    )
    return False


@require_http_methods(["GET", "POST"])
@portfolio_required
def export_list(request: HttpRequest) -> HttpResponse:
    form = ExportRequestForm(
        request.POST or None, initial={"level": request.portfolio.target_level}
    )
    if request.method == "POST":
        if form.is_valid() and _room_for_another(request, form):
            check_quota(request, "export_request")
            data = form.cleaned_data
            options = ExportOptions(
                kind=data["kind"],
                level=data["level"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
            try:
                export, created = exports.export_request(user=request.user, options=options)
            except exports.ExportError as exc:
                form.add_error(None, str(exc))
            else:
                if not created:
                    messages.info(
                        request,
                        "Nothing has changed since you last asked for this PDF, so here it is.",
                    )
                return redirect("exports:detail", pk=export.pk)
        status = 429 if form.has_error(NON_FIELD_ERRORS, "busy") else 400
    else:
        status = 200
    history = PortfolioExport.objects.for_owner(request.user).order_by("-created_at")[:50]
    return render(request, "exports/list.html", {"form": form, "exports": history}, status=status)


@require_safe
@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_export_for_user(request.user, pk)
    template = "exports/_progress.html" if request.htmx else "exports/detail.html"
    return render(request, template, {"export": export})


@require_safe
@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = get_export_for_user(request.user, pk)
    if export.status != PortfolioExport.Status.DONE or not export.file:
        raise Http404("This PDF is not available.")
    return private_download(export.file, export.filename, "application/pdf")


@require_POST
@login_required
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_export_for_user(request.user, pk)
    try:
        exports.export_retry(export=export, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return render(request, "exports/detail.html", {"export": export}, status=409)
    messages.success(request, "Trying again.")
    return redirect("exports:detail", pk=export.pk)


# --- Revalidation records ---------------------------------------------------------------


# --- Public verification -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Look a document up by its code, or by uploading the file itself."""
    code_form = VerifyCodeForm(request.GET if "code" in request.GET else None)
    file_form = VerifyFileForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"code_form": code_form, "file_form": file_form}
    if request.method == "POST":
        check_quota(request, "verify_upload")
    if code_form.is_bound and code_form.is_valid():
        export = exports.export_for_code(code_form.cleaned_data["code"])
        if export is not None:
            return redirect("exports:verify_code", code=export.code)
        context["not_found"] = True
        return render(request, "exports/verify.html", context, status=404)
    if request.method == "POST":
        if not file_form.is_valid():
            return render(request, "exports/verify.html", context, status=400)
        digest = exports.sha256_of(file_form.cleaned_data["file"])
        export = exports.export_for_file_hash(digest)
        if export is None:
            context.update(upload_sha256=digest, upload_unknown=True)
            return render(request, "exports/verify.html", context, status=404)
        return render(
            request,
            "exports/verify_result.html",
            {
                "v": exports.verification_of(export),
                "file_form": VerifyFileForm(),
                "upload_sha256": digest,
                "upload_matches": True,
            },
        )
    return render(request, "exports/verify.html", context)


@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    export = exports.export_for_code(code)
    if export is None:
        raise Http404("No document was issued with this code.")
    if export.code != code:
        return redirect("exports:verify_code", code=export.code)
    if request.method == "POST":
        check_quota(request, "verify_upload")
    file_form = VerifyFileForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {
        "v": exports.verification_of(export),
        "file_form": file_form,
        "verify_action": reverse("exports:verify_code", args=[export.code]),
    }
    status = 200
    if request.method == "POST":
        if file_form.is_valid():
            digest = exports.sha256_of(file_form.cleaned_data["file"])
            context.update(upload_sha256=digest, upload_matches=digest == export.file_sha256)
            status = 200 if digest == export.file_sha256 else 409
        else:
            status = 400
    response = render(request, "exports/verify_result.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
