"""Reads of framework data, shaped for the pages that show them.

Each function issues a fixed number of queries whatever the framework's size.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from competencies.content import framework_content
from competencies.formats import CompetencyData, DomainData, FrameworkData, Ids, LevelData
from competencies.models import Competency, Descriptor, Domain, Framework, Level


def active_framework() -> Framework | None:
    return Framework.objects.filter(is_active=True).first()


def active_framework_or_404() -> Framework:
    framework = active_framework()
    if framework is None:
        raise Http404("No competency framework has been loaded yet.")
    return framework


@dataclass(frozen=True)
class FrameworkSummary:
    framework: Framework
    levels: list[Level]
    domains: list[Domain]  # each annotated with competency_count

    @property
    def competency_count(self) -> int:
        return sum(d.competency_count for d in self.domains)


def active_framework_summary() -> FrameworkSummary | None:
    framework = active_framework()
    if framework is None:
        return None
    content = framework_content(framework)
    return FrameworkSummary(
        framework=framework, levels=list(content.levels), domains=list(content.domains)
    )


def level_or_404(framework: Framework, number: int) -> Level:
    level = framework_content(framework).level(number)
    if level is None:
        raise Http404(f"Level {number} is not part of this framework.")
    return level


@dataclass(frozen=True)
class CompetencyGroup:
    heading: str
    competencies: list[Competency]  # each with .descriptor: Descriptor | None


def domain_at_level(
    framework: Framework, number: int, level: Level
) -> tuple[Domain, list[CompetencyGroup]]:
    content = framework_content(framework)
    domain = content.domain(number)
    if domain is None:
        raise Http404(f"Domain {number} is not part of this framework.")
    competencies = []
    for shared in content.in_domain(domain):
        competency = copy.copy(shared)  # the content is shared: this page's attribute is not
        competency.descriptor = content.descriptor(shared, level.number)
        competencies.append(competency)
    groups = [
        CompetencyGroup(heading=heading, competencies=list(items))
        for heading, items in groupby(competencies, key=lambda c: c.group)
    ]
    return domain, groups


def competency_or_404(framework: Framework | int, code: str) -> Competency:
    """The competency with its domain and descriptors (each with its level), from the
    framework's content held in memory: shared, so read it and do not change it."""
    competency = framework_content(framework).competency(code)
    if competency is None:
        raise Http404(f"There is no competency {code} in this framework.")
    return competency


SEARCH_MAX_LENGTH = 200


def search_competencies(framework: Framework, query: str) -> QuerySet[Competency]:
    """Competencies whose code, title, group or any descriptor mentions every word."""
    words = query.split()
    condition = Q()
    for word in words:
        condition &= (
            Q(code__icontains=word)
            | Q(title__icontains=word)
            | Q(group__icontains=word)
            | Q(domain__title__icontains=word)
            | Q(descriptors__text__icontains=word)
        )
    matching_ids = framework.competencies.filter(condition).values("pk")
    return (
        Competency.objects.filter(pk__in=matching_ids)
        .select_related("domain")
        .prefetch_related(
            Prefetch("descriptors", queryset=Descriptor.objects.select_related("level"))
        )
        .order_by("order")
    )


def framework_to_data(framework: Framework) -> FrameworkData:
    """The whole framework as plain data, for export (three queries)."""
    levels = list(framework.levels.all())
    competencies = (
        framework.competencies.select_related("domain")
        .prefetch_related(
            Prefetch("descriptors", queryset=Descriptor.objects.select_related("level"))
        )
        .order_by("order")
    )
    by_domain: dict[int, list[CompetencyData]] = {}
    for c in competencies:
        by_domain.setdefault(c.domain_id, []).append(
            CompetencyData(
                code=c.code,
                group=c.group,
                title=c.title,
                descriptors=tuple(sorted((d.level.number, d.text) for d in c.descriptors.all())),
            )
        )
    return FrameworkData(
        name=framework.name,
        version=framework.version,
        source=framework.source,
        licence_note=framework.licence_note,
        is_illustrative=framework.is_illustrative,
        levels=tuple(LevelData(lv.number, lv.name, lv.description) for lv in levels),
        domains=tuple(
            DomainData(
                number=d.number,
                title=d.title,
                description=d.description,
                competencies=tuple(by_domain.get(d.pk, [])),
            )
            for d in framework.domains.all()
        ),
    )


def framework_of_case_document(identifier: str) -> Framework | None:
    """The framework version whose CASE CFDocument has this identifier (ids are derived from
    name and version, never stored, so each version's is worked out)."""
    try:
        uuid.UUID(identifier)
    except ValueError:
        return None
    for framework in Framework.objects.order_by("pk"):
        if Ids(framework.name, framework.version).document == identifier.lower():
            return framework
    return None
