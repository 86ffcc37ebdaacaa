"""Which courses close the most gaps: for one practitioner (their unmet competencies at their
target level) or a team (every member's unmet competencies against its standard)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from competencies.catalogue.models import Course

# A need: competency code, and the level it is needed at.
Need = tuple[str, int]


@dataclass
class RankedCourse:
    course: Course
    # Person-competencies it would close, people it would help, and the codes it covers.
    covered: int
    people: int
    codes: list[str] = field(default_factory=list)
    estimated_cost: Decimal | None = None


def rank_courses(
    needs: Mapping[Hashable, set[Need]], courses: Iterable[Course] | None = None
) -> list[RankedCourse]:
    """A course covers a need when it develops that competency at the level needed or above.
    Most closed first; then cheaper; then by title. Courses that close nothing are left out.
    The cost estimate is the course's cost for each person it would help."""
    if courses is None:
        courses = Course.objects.filter(is_active=True).prefetch_related("outcomes")
    ranked = []
    for course in courses:
        develops = {o.code: o.level for o in course.outcomes.all()}
        covered, people, codes = 0, 0, set()
        for person_needs in needs.values():
            hits = [code for code, level in person_needs if develops.get(code, 0) >= level]
            if hits:
                people += 1
                covered += len(hits)
                codes.update(hits)
        if covered:
            cost = course.cost * people if course.cost is not None else None
            ranked.append(RankedCourse(course, covered, people, sorted(codes), cost))
    ranked.sort(
        key=lambda r: (
            -r.covered,
            r.estimated_cost if r.estimated_cost is not None else Decimal("Infinity"),
            r.course.title,
        )
    )
    return ranked
