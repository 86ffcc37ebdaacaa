"""Reads of the training catalogue, shaped for its pages and files (fixed query counts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from competencies.catalogue.formats import CourseData
from competencies.catalogue.models import Course
from competencies.models import Competency, Framework


def active_courses() -> QuerySet[Course]:
    return Course.objects.filter(is_active=True).prefetch_related("outcomes")


def course_list(*, kind: str = "", mode: str = "") -> list[Course]:
    courses = active_courses()
    if kind:
        courses = courses.filter(kind=kind)
    if mode:
        courses = courses.filter(mode=mode)
    return list(courses)


def course_or_404(code: str) -> Course:
    course = active_courses().filter(code=code).first()
    if course is None:
        raise Http404("No such course in the catalogue.")
    return course


@dataclass(frozen=True)
class Outcome:
    code: str
    level: int
    competency: Competency | None  # None when the framework in use has no such code


def outcomes_in(course: Course, framework: Framework | None) -> list[Outcome]:
    """The course's competencies and levels, resolved against a framework version (codes
    outlive versions, so one may be missing from it)."""
    outcomes = list(course.outcomes.all())
    found = {}
    if framework is not None:
        found = {
            c.code: c
            for c in Competency.objects.filter(
                framework=framework, code__in=[o.code for o in outcomes]
            ).select_related("domain")
        }
    return [Outcome(o.code, o.level, found.get(o.code)) for o in outcomes]


def course_data(course: Course) -> CourseData:
    """A course as the catalogue file writes it (the outcomes prefetched)."""
    return CourseData(
        code=course.code,
        provider=course.provider,
        title=course.title,
        kind=course.kind,
        duration=course.duration,
        hours=course.hours,
        mode=course.mode,
        eligibility=course.eligibility,
        url=course.url,
        cost=course.cost,
        source=course.source,
        mapping_is_illustrative=course.mapping_is_illustrative,
        competencies=tuple(sorted((o.code, o.level) for o in course.outcomes.all())),
    )


def catalogue_data() -> list[CourseData]:
    """Every course, active or not, ordered by code: what export_training writes."""
    return [course_data(c) for c in Course.objects.order_by("code").prefetch_related("outcomes")]
