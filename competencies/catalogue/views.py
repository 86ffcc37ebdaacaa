"""Public, read-only pages of the training catalogue, beside the framework it maps to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from competencies.catalogue import selectors
from competencies.catalogue.models import CourseKind, CourseMode
from competencies.selectors import active_framework


@require_safe
def course_list(request: HttpRequest) -> HttpResponse:
    # An unknown filter value is ignored, as on the evidence list: a stale link still works.
    kind = request.GET.get("kind", "")
    kind = kind if kind in CourseKind.values else ""
    mode = request.GET.get("mode", "")
    mode = mode if mode in CourseMode.values else ""
    context = {
        "courses": selectors.course_list(kind=kind, mode=mode),
        "kinds": CourseKind.choices,
        "modes": CourseMode.choices,
        "kind": kind,
        "mode": mode,
    }
    return render(request, "competencies/training/list.html", context)


@require_safe
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    course = selectors.course_or_404(code)
    framework = active_framework()
    context = {
        "course": course,
        "framework": framework,
        "outcomes": selectors.outcomes_in(course, framework),
    }
    return render(request, "competencies/training/course.html", context)
