"""Public, read-only pages of the active framework, and the site's front page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from competencies import selectors
from competencies.content import framework_content
from competencies.forms import SearchForm
from imhcpd.navigation import navigation_for


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        # Each person lands on their own work: practitioners on their portfolio (or its
        # set-up on first sign-in), a supervisor or administrator without one on theirs.
        landing = navigation_for(request.user).landing
        if landing:
            return redirect(landing)
    return render(request, "home.html", {"summary": selectors.active_framework_summary()})


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    summary = selectors.active_framework_summary()
    status = 200 if summary else 404
    return render(request, "competencies/overview.html", {"summary": summary}, status=status)


@require_safe
def domain_detail(request: HttpRequest, number: int, level: int = 1) -> HttpResponse:
    framework = selectors.active_framework_or_404()
    chosen = selectors.level_or_404(framework, level)
    domain, groups = selectors.domain_at_level(framework, number, chosen)
    content = framework_content(framework)
    context = {
        "framework": framework,
        "domain": domain,
        "groups": groups,
        "level": chosen,
        "levels": list(content.levels),
        "domains": list(content.domains),
    }
    return render(request, "competencies/domain.html", context)


@require_safe
def competency_detail(request: HttpRequest, code: str) -> HttpResponse:
    framework = selectors.active_framework_or_404()
    competency = selectors.competency_or_404(framework, code)
    return render(
        request,
        "competencies/competency.html",
        {"framework": framework, "competency": competency},
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    framework = selectors.active_framework_or_404()
    form = SearchForm(request.GET or None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            results = list(selectors.search_competencies(framework, form.cleaned_data["q"]))
        else:
            status = 400
    return render(
        request,
        "competencies/search.html",
        {"framework": framework, "form": form, "results": results},
        status=status,
    )
