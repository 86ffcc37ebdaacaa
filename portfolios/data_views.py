"""Download my data; delete my account."""

from __future__ import annotations

from collections.abc import Iterator

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from imhcpd.erasure import ErasureRefused, account_erase
from portfolios.forms import DeleteAccountForm
from portfolios.permissions import portfolio_of
from portfolios.personal_data import personal_data_json, personal_data_zip_stream
from portfolios.portable.format import FILENAME, portable_portfolio_json
from portfolios.portable.importer import portfolio_is_empty


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    portfolio = portfolio_of(request.user)
    return render(
        request,
        "portfolios/my_data.html",
        {"portfolio": portfolio, "can_import": portfolio_is_empty(portfolio)},
    )


@require_safe
@login_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return _download(
        personal_data_json(request.user), f"imhcpd-my-data-{stamp}.json", "application/json"
    )


@require_safe
@login_required
def my_data_zip(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    # portfolio.json (the portable format) beside data.json, pointing at the same attachment
    # files, so the one download both answers "what do you hold" and moves to another site.
    portable = portable_portfolio_json(request.user)
    extra = {FILENAME: portable} if portable is not None else {}
    return zip_download(
        personal_data_zip_stream(request.user, extra), f"imhcpd-my-data-{stamp}.zip"
    )


def zip_download(stream: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    # Streamed: attachments can add up to hundreds of megabytes, never held in memory at once.
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                account_erase(user=request.user, by=request.user)
            except ErasureRefused as exc:
                # Nothing was changed and the person is still signed in to read why.
                form.add_error(None, str(exc))
                return render(request, "portfolios/delete_account.html", {"form": form}, status=409)
            # Only now: a failed erasure must leave the person signed in with their account.
            get_adapter(request).logout(request)
            messages.success(request, "Your account and everything in it have been deleted.")
            return redirect("home")
        return render(request, "portfolios/delete_account.html", {"form": form}, status=400)
    return render(request, "portfolios/delete_account.html", {"form": form})
