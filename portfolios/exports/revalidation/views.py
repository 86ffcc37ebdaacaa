"""The revalidation tracker and the settings it is worked out from."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from portfolios.exports import views as export_views
from portfolios.permissions import portfolio_required


@require_http_methods(["GET", "POST"])
@portfolio_required
def tracker(request: HttpRequest) -> HttpResponse:
    return export_views.revalidation(request)


@require_http_methods(["GET", "POST"])
@portfolio_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    return export_views.revalidation(request)
