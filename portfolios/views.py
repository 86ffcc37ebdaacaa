"""Portfolio set-up, dashboard, matrix, competency pages and self-assessment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from competencies.selectors import active_framework, competency_or_404
from portfolios import selectors, services
from portfolios.forms import DomainAssessmentForm, PortfolioForm, RatingFields
from portfolios.permissions import portfolio_of, portfolio_required
from portfolios.selectors import CompetencyStatus


def _levels(framework):  # type: ignore[no-untyped-def]
    return list(framework.levels.all())


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if portfolio_of(request.user) is not None:
        return redirect("portfolios:dashboard")
    framework = active_framework()
    if framework is None:
        # Not a redirect: home sends signed-in people here, which would loop.
        return render(request, "portfolios/no_framework.html", status=503)
    levels = _levels(framework)
    form = PortfolioForm(request.POST or None, levels=levels)
    if request.method == "POST":
        if form.is_valid():
            services.portfolio_create(
                user=request.user, framework=framework, data=form.cleaned_data
            )
            messages.success(request, "Your portfolio is ready. Start by rating a domain.")
            return redirect("portfolios:dashboard")
        return render(
            request, "portfolios/setup.html", {"form": form, "levels": levels}, status=400
        )
    return render(request, "portfolios/setup.html", {"form": form, "levels": levels})


@portfolio_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    levels = _levels(portfolio.framework)
    form = PortfolioForm(request.POST or None, instance=portfolio, levels=levels)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            change = services.portfolio_update(
                portfolio=portfolio, by=request.user, data=form.cleaned_data
            )
            messages.success(request, "Profile saved." if change else "Nothing had changed.")
            return redirect("portfolios:profile")
        status = 400
    labels = {name: str(field.label) for name, field in form.fields.items()}
    history = [
        (
            change.changed_at,
            [
                (labels.get(name, name.replace("_", " ").capitalize()), old, new)
                for name, (old, new) in change.changes.items()
                if old != new
            ],
        )
        for change in portfolio.changes.select_related("changed_by")[:50]
    ]
    context = {"form": form, "levels": levels, "history": history}
    return render(request, "portfolios/profile.html", context, status=status)


@require_safe
@portfolio_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard(request.portfolio)
    return render(request, "portfolios/dashboard.html", {"d": data, "Status": CompetencyStatus})


@require_safe
@portfolio_required
def matrix(request: HttpRequest) -> HttpResponse:
    states = selectors.competency_states(request.portfolio)
    context = {
        "domains": selectors.by_domain(states),
        "Status": CompetencyStatus,
        "total": len(states),
        "signed_off": sum(1 for s in states if s.status == CompetencyStatus.SIGNED_OFF),
    }
    return render(request, "portfolios/matrix.html", context)


@portfolio_required
@require_http_methods(["GET", "POST"])
def competency(request: HttpRequest, code: str) -> HttpResponse:
    portfolio = request.portfolio
    competency = competency_or_404(portfolio.framework_id, code)
    page = selectors.competency_page(portfolio, competency)
    current = page.state.assessment
    form = RatingFields(
        request.POST or None,
        initial={
            "rating": current.rating if current else None,
            "confidence": current.confidence if current else None,
            "note": current.note if current else "",
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = services.self_assessment_record(
                portfolio=portfolio,
                ratings=[services.RatingInput(competency=competency, **form.cleaned_data)],
            )
            messages.success(request, "Self-assessment saved." if saved else "Nothing had changed.")
            return redirect("portfolios:competency", code=code)
        status = 400
    return render(
        request,
        "portfolios/competency.html",
        {"page": page, "form": form, "portfolio": portfolio, "Status": CompetencyStatus},
        status=status,
    )


@portfolio_required
@require_http_methods(["GET", "POST"])
def assess_domain(request: HttpRequest, number: int) -> HttpResponse:
    portfolio = request.portfolio
    domain = portfolio.framework.domains.filter(number=number).first()
    if domain is None:
        raise Http404("No such domain in your framework.")
    competencies = list(
        domain.competencies.prefetch_related("descriptors__level").order_by("order")
    )
    latest = selectors.latest_self_assessments(
        portfolio, portfolio.target_level, [c.pk for c in competencies]
    )
    form = DomainAssessmentForm(
        request.POST if request.method == "POST" else None,
        competencies=competencies,
        initial_by_id=latest,
    )
    status = 200
    saved = None
    if request.method == "POST":
        if form.is_valid():
            saved = services.self_assessment_record(
                portfolio=portfolio,
                ratings=[
                    services.RatingInput(competency=c, **sub.cleaned_data) for c, sub in form.rows
                ],
            )
            message = (
                f"Saved {len(saved)} rating{'s' if len(saved) != 1 else ''}."
                if saved
                else "Nothing had changed."
            )
            if "next" in request.POST:
                # "Save and go to the next domain": after the last one, the matrix.
                later = portfolio.framework.domains.filter(number__gt=number).order_by("number")
                following = later.first()
                url = (
                    reverse("portfolios:assess_domain", args=[following.number])
                    if following
                    else reverse("portfolios:matrix")
                )
                messages.success(request, f"Domain {number}: {message[0].lower()}{message[1:]}")
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            if not request.htmx:
                messages.success(request, message)
                return redirect("portfolios:assess_domain", number=number)
            # htmx: answer with the fresh form in place, no reload.
            latest = selectors.latest_self_assessments(
                portfolio, portfolio.target_level, [c.pk for c in competencies]
            )
            form = DomainAssessmentForm(None, competencies=competencies, initial_by_id=latest)
            saved = message
        else:
            status = 400
    domains = list(portfolio.framework.domains.all())
    context = {
        "domain": domain,
        "form": form,
        "level": portfolio.target_level,
        "saved_message": saved,
        "domains": domains,
        "next_domain": next((d for d in domains if d.number > domain.number), None),
    }
    template = "portfolios/_domain_form.html" if request.htmx else "portfolios/assess_domain.html"
    return render(request, template, context, status=status)
