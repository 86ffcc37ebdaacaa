"""A framework version's content, read once per process and kept in memory.

The levels, domains, competencies and descriptors of a framework version never change once it
is imported: an import makes a new version, and the admin shows them read-only. Nearly every
page reads them (the dashboard's 63 competencies, the framework pages, a competency's
descriptors), and building those objects through the ORM on every request was a large part of
the load benchmark's profile. So each process reads a version's content in four queries the
first time it is asked for, and hands out the same objects afterwards.

What is *not* kept: the `Framework` row itself (whether it is active can change) and anything
about a portfolio. The objects handed out are shared, so callers treat them as read-only and
copy one before setting an attribute on it (`domain_at_level` does).

Saving or deleting any of these rows (a test's factory, a future editing tool) empties the
memory of this process; other processes never see content change under a version they hold,
as nothing changes it after the import's transaction commits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save

from competencies.models import Competency, Descriptor, Domain, Framework, Level

# Versions kept per process: a site runs one or two at a time (the active one and the one
# older portfolios still use); the oldest is dropped past this.
MAX_VERSIONS = 8

_cache: OrderedDict[int, FrameworkContent] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class FrameworkContent:
    framework_id: int
    levels: tuple[Level, ...]
    domains: tuple[Domain, ...]  # each with .competency_count
    competencies: tuple[Competency, ...]  # in order; .domain and .descriptors (with .level) read
    _by_code: dict[str, Competency] = field(repr=False, default_factory=dict)
    _by_pk: dict[int, Competency] = field(repr=False, default_factory=dict)

    def competency(self, code: str) -> Competency | None:
        return self._by_code.get(code)

    def competency_by_pk(self, pk: int) -> Competency | None:
        return self._by_pk.get(pk)

    def domain(self, number: int) -> Domain | None:
        return next((d for d in self.domains if d.number == number), None)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    def in_domain(self, domain: Domain) -> list[Competency]:
        return [c for c in self.competencies if c.domain_id == domain.pk]

    @staticmethod
    def descriptor(competency: Competency, level_number: int) -> Descriptor | None:
        return next(
            (d for d in competency.descriptors.all() if d.level.number == level_number), None
        )


def _load(framework_id: int) -> FrameworkContent:
    levels = tuple(Level.objects.filter(framework_id=framework_id).order_by("number"))
    domains = tuple(Domain.objects.filter(framework_id=framework_id).order_by("number"))
    level_by_pk = {lv.pk: lv for lv in levels}
    domain_by_pk = {d.pk: d for d in domains}
    descriptors = Descriptor.objects.filter(competency__framework_id=framework_id).order_by(
        "level__number"
    )
    competencies = tuple(
        Competency.objects.filter(framework_id=framework_id)
        .order_by("order")
        .prefetch_related(Prefetch("descriptors", queryset=descriptors))
    )
    for competency in competencies:
        competency.domain = domain_by_pk[competency.domain_id]
        for descriptor in competency.descriptors.all():
            descriptor.level = level_by_pk[descriptor.level_id]
            descriptor.competency = competency
    for domain in domains:
        domain.competency_count = sum(1 for c in competencies if c.domain_id == domain.pk)
    return FrameworkContent(
        framework_id=framework_id,
        levels=levels,
        domains=domains,
        competencies=competencies,
        _by_code={c.code: c for c in competencies},
        _by_pk={c.pk: c for c in competencies},
    )


def framework_content(framework: Framework | int) -> FrameworkContent:
    """The content of a framework version (four queries the first time in this process)."""
    framework_id = framework if isinstance(framework, int) else framework.pk
    with _lock:
        content = _cache.get(framework_id)
        if content is not None:
            _cache.move_to_end(framework_id)
            return content
    content = _load(framework_id)
    with _lock:
        _cache[framework_id] = content
        while len(_cache) > MAX_VERSIONS:
            _cache.popitem(last=False)
    return content


def forget(**_: Any) -> None:
    """Empties this process's memory of framework content."""
    with _lock:
        _cache.clear()


def connect_signals() -> None:
    """Called from the app's ready(): any save or delete of content forgets what is held."""
    for model in (Framework, Level, Domain, Competency, Descriptor):
        for signal in (post_save, post_delete):
            signal.connect(forget, sender=model, dispatch_uid=f"content-{model.__name__}")
