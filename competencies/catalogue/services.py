"""The only code that writes the training catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from competencies.catalogue.formats import CourseData
from competencies.catalogue.models import Course, CourseCompetency


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    updated: list[str]


@transaction.atomic
def courses_import(*, courses: list[CourseData]) -> ImportResult:
    """Add or update courses by code, in one transaction. An updated course's competency
    mapping is replaced by the file's, not merged: the file is the whole truth about each
    course it lists. Courses the file does not list are left as they are."""
    existing = {
        c.code: c
        for c in Course.objects.select_for_update().filter(code__in=[c.code for c in courses])
    }
    added, updated = [], []
    for data in courses:
        fields = {
            "provider": data.provider,
            "title": data.title,
            "kind": data.kind,
            "duration": data.duration,
            "hours": data.hours,
            "mode": data.mode,
            "eligibility": data.eligibility,
            "url": data.url,
            "cost": data.cost,
            "source": data.source,
            "mapping_is_illustrative": data.mapping_is_illustrative,
        }
        course = existing.get(data.code)
        if course is None:
            course = Course.objects.create(code=data.code, **fields)
            added.append(data.code)
        else:
            for name, value in fields.items():
                setattr(course, name, value)
            course.save()
            course.outcomes.all().delete()
            updated.append(data.code)
        CourseCompetency.objects.bulk_create(
            CourseCompetency(course=course, code=code, level=level)
            for code, level in data.competencies
        )
    return ImportResult(added=added, updated=updated)
