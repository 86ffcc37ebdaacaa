"""The revalidation tracker and the settings it is worked out from."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from portfolios.exports.revalidation import services
from portfolios.exports.revalidation.bodies import HCPC, NMC, SWE
from portfolios.exports.revalidation.forms import RevalidationSettingsForm
from portfolios.exports.revalidation.tracker import tracker_for
from portfolios.permissions import portfolio_required


@require_safe
@portfolio_required
def tracker(request: HttpRequest) -> HttpResponse:
    tracker = tracker_for(request.portfolio)
    titles = {
        NMC: ("NMC revalidation", "the NMC"),
        HCPC: ("HCPC renewal", "the HCPC"),
        SWE: ("Social Work England CPD", "Social Work England"),
    }
    title, body_short = titles.get(tracker.body, ("Your CPD record", ""))
    return render(
        request,
        "exports/revalidation/tracker.html",
        {
            "tracker": tracker,
            "portfolio": request.portfolio,
            "title": title,
            "body_short": body_short,
            "dual_label": "Yes, so 900 practice hours"
            if request.portfolio.nmc_dual_registration
            else "No",
        },
    )


@require_http_methods(["GET", "POST"])
@portfolio_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    form = RevalidationSettingsForm(
        request.POST or None,
        initial={
            "professional_body": portfolio.professional_body,
            "revalidation_date": portfolio.revalidation_date,
            "nmc_dual_registration": portfolio.nmc_dual_registration,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            services.settings_update(portfolio=portfolio, by=request.user, **form.cleaned_data)
            messages.success(request, "Revalidation settings saved.")
            return redirect("exports:revalidation")
        return render(request, "exports/revalidation/settings.html", {"form": form}, status=400)
    return render(request, "exports/revalidation/settings.html", {"form": form})
